import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE_FAMILIES } from '../../functions/contract/families.js';
import { listJourneyFiles } from '../../functions/engine/asl.js';
import { EmbeddedEngine } from '../../functions/engine/embedded.js';
import {
  checkJourneyCalls,
  type JourneyGraph,
  lintJourney as lintWith,
} from '../../functions/engine/lint.js';
import { NODE_LOOKUP } from '../../functions/nodes/registry.js';
import { diagramMarkdown } from '../../scripts/journey-diagram.js';

const lintJourney = (journey: string, definition: Parameters<typeof lintWith>[1]): JourneyGraph =>
  lintWith(journey, definition, NODE_LOOKUP);

const journeys = listJourneyFiles();
const clone = <T>(value: T): T => structuredClone(value);
type States = Record<string, Record<string, unknown>>;
const statesOf = (definition: unknown): States => (definition as { States: States }).States;

describe('journey lint', () => {
  it('finds the product journeys', () => {
    expect(journeys.map((j) => j.journey)).toEqual(expect.arrayContaining(['Login', 'Registration']));
  });

  it.each(journeys.map((j) => [j.journey, j] as const))(
    '%s passes the lint and loads in the ASL interpreter',
    (_name, file) => {
      const graph = lintJourney(file.journey, file.definition);

      expect(graph.nodes.length).toBeGreaterThan(0);
      // With the journeys it runs as inner journeys, nested ones too (checked to exist and not to recurse).
      const inner = new Set<string>();
      const visit = (calls: Record<string, string[]>) => {
        for (const name of Object.values(calls).flat()) {
          if (inner.has(name)) continue;
          inner.add(name);
          const called = journeys.find((j) => j.journey === name);
          if (called) visit(lintJourney(called.journey, called.definition).calls);
        }
      };
      visit(graph.calls);
      expect(
        () =>
          new EmbeddedEngine(
            NODE_LOOKUP,
            { [NODE_FAMILIES.identity.substitution]: async () => ({}) },
            journeys.filter((j) => j === file || inner.has(j.journey)),
          ),
      ).not.toThrow();
    },
  );

  it('checks inner journeys: they must exist, and may not recurse', () => {
    const graphOf = (journey: string, calls: Record<string, string[]>) =>
      ({ journey, start: 'A', nodes: [], resumeTargets: [], ends: {}, calls }) as JourneyGraph;

    expect(() => checkJourneyCalls([graphOf('Login', { Profile: ['ProgressiveProfile'] })])).toThrow(
      /Login: Profile runs journey ProgressiveProfile, which is not one of Login/,
    );
    expect(() =>
      checkJourneyCalls([
        graphOf('A', { ToB: ['B'] }),
        graphOf('B', { ToC: ['C'] }),
        graphOf('C', { BackToA: ['A'] }),
      ]),
    ).toThrow(/Inner journeys recurse: A → B → C → A/);
    expect(() => checkJourneyCalls([graphOf('A', { Self: ['A'] })])).toThrow(/recurse: A → A/);
    expect(() =>
      checkJourneyCalls([
        graphOf('A', { One: ['C'], Two: ['B'] }),
        graphOf('B', { X: ['C'] }),
        graphOf('C', {}),
      ]),
    ).not.toThrow();
  });

  it.each(journeys.map((j) => [j.journey, j] as const))(
    '%s has an up-to-date diagram in docs/journeys',
    (_name, file) => {
      const committed = readFileSync(
        new URL(`../../docs/journeys/${file.journey}.md`, import.meta.url),
        'utf8',
      );

      expect(committed, 'run npm run docs:journeys').toBe(
        diagramMarkdown(lintJourney(file.journey, file.definition)),
      );
    },
  );

  const login = journeys.find((j) => j.journey === 'Login')!;

  it.each([
    [
      'an unknown node type',
      (s: States) => setNode(s, 'IdentityStoreDecision', { type: 'NoSuchNode' }),
      /Unknown node type "NoSuchNode"/,
    ],
    [
      'an unknown config key',
      (s: States) => setNode(s, 'RetryLimitDecision', { config: { retryLimitt: 3 } }),
      /Invalid config for node RetryLimitDecision/,
    ],
    [
      'an unknown type inside a page',
      (s: States) => setNode(s, 'Credentials', { config: { nodes: [{ id: 'X', type: 'Nope' }] } }),
      /Unknown node type "Nope"/,
    ],
    [
      'a decision node placed on a page',
      (s: States) =>
        setNode(s, 'Credentials', { config: { nodes: [{ id: 'X', type: 'IdentityStoreDecisionNode' }] } }),
      /cannot be placed on a page/,
    ],
    [
      'an unrouted outcome',
      (s: States) => dropRoute(s, 'IdentityStoreDecision?', 'false'),
      /outcome "false" is not routed/,
    ],
    [
      'a route for an outcome the node never returns',
      (s: States) => addRoute(s, 'IncrementLoginCount?', 'maybe', 'Success'),
      /never returns/,
    ],
    [
      'a suspendable node missing from Resume',
      (s: States) => {
        (s.Resume as { Choices: unknown[] }).Choices = [];
      },
      /not in the Resume router/,
    ],
    [
      'an unknown ErrorEquals',
      (s: States) => {
        (s.IdentityStoreDecision as { Retry: unknown[] }).Retry = [{ ErrorEquals: ['MadeUpError'] }];
      },
      /unknown error MadeUpError/,
    ],
    [
      'reserved attempts counted for another node than the Retry Limit Decision on "false"',
      (s: States) =>
        setNode(s, 'IdentityStoreDecision', {
          config: { reserveAttempts: { counter: 'IncrementLoginCount', limit: 3 } },
        }),
      /reserveAttempts.counter must name the Retry Limit Decision/,
    ],
    [
      'a reservation limit that differs from the retry limit',
      (s: States) =>
        setNode(s, 'IdentityStoreDecision', {
          config: { reserveAttempts: { counter: 'RetryLimitDecision', limit: 5 } },
        }),
      /reserveAttempts.limit 5 differs from RetryLimitDecision's retryLimit 3/,
    ],
    [
      'a reservation on a count kept only in the journey',
      (s: States) =>
        setNode(s, 'RetryLimitDecision', {
          config: { retryLimit: 3, incrementUserAttributeOnFailure: false },
        }),
      /must save its count to the user/,
    ],
    [
      'a node Task that neither retries nor catches a node function timing out',
      (s: States) => {
        delete s.Credentials!.Catch;
      },
      /Credentials: must retry or catch the node function's invocation errors Lambda.Unknown, Sandbox.Timedout/,
    ],
    [
      'a node Task that neither retries nor catches Lambda errors',
      (s: States) => {
        delete s.IdentityStoreDecision!.Retry;
      },
      /IdentityStoreDecision: must retry or catch .*Lambda.ServiceException.*Lambda.TooManyRequestsException/,
    ],
    [
      'an unreachable state',
      (s: States) => {
        s.Orphan = { Type: 'Succeed' };
      },
      /unreachable states: Orphan/,
    ],
  ])('rejects %s', (_name, mutate, message) => {
    const definition = clone(login.definition);
    mutate(statesOf(definition));

    expect(() => lintJourney('Login', definition)).toThrow(message);
  });

  it('rejects an iProov reference-photo node whose Retry does not loop back to it', () => {
    const iproovLogin = journeys.find((j) => j.journey === 'IProovLogin')!;
    const definition = clone(iproovLogin.definition);
    const states = statesOf(definition);
    setNode(states, 'IProov', {
      config: { mode: 'referencePhoto', assuranceType: 'GPA', maxAttempts: 3 },
    });
    const loops = clone(definition);
    const rules = states['IProov?']!.Choices as Array<{ StringEquals: string; Next: string }>;
    rules.find((r) => r.StringEquals === 'Retry')!.Next = 'Failure';

    expect(() => lintJourney('IProovLogin', loops)).not.toThrow();
    expect(() => lintJourney('IProovLogin', definition)).toThrow(/Retry must route back to IProov/);
  });

  it('accepts States.TaskFailed in place of the node function errors, and Sandbox.Timedout as a known error', () => {
    const definition = clone(login.definition);
    const credentials = statesOf(definition).Credentials!;
    delete credentials.Retry;
    credentials.Catch = [{ ErrorEquals: ['States.TaskFailed'], Next: 'NodeFunctionFailed' }];

    expect(() => lintJourney('Login', definition)).not.toThrow();
  });

  const proofing = journeys.find((j) => j.journey === 'IdentityProofing')!;

  it.each([
    ['locale', /IpaEvaluationUnavailable: rebuilds the context without "locale.\$": "\$.locale"/],
    ['clientIp', /IpaEvaluationUnavailable: rebuilds the context without "clientIp.\$": "\$.clientIp"/],
    ['txId', /rebuilds the context without "txId.\$"/],
  ])('rejects a Pass state that rebuilds the context without %s', (field, message) => {
    const definition = clone(proofing.definition);
    delete (statesOf(definition).IpaEvaluationUnavailable!.Parameters as Record<string, unknown>)[
      `${field}.$`
    ];

    expect(() => lintJourney('IdentityProofing', definition)).toThrow(message);
  });

  it.each([
    ['more retries', { MaxAttempts: 3 }],
    ['the ASL default attempts', { MaxAttempts: undefined }],
    ['a longer interval', { IntervalSeconds: 2 }],
  ])('rejects a retry on ProviderUnavailableError with %s than PROVIDER_RETRY', (_name, patch) => {
    const definition = clone(proofing.definition);
    const retriers = statesOf(definition).IpaEvaluation!.Retry as Array<Record<string, unknown>>;
    const retrier = retriers.find((r) => (r.ErrorEquals as string[]).includes('ProviderUnavailableError'))!;
    Object.assign(retrier, patch);
    for (const [key, value] of Object.entries(patch)) if (value === undefined) delete retrier[key];

    expect(() => lintJourney('IdentityProofing', definition)).toThrow(
      /IpaEvaluation: retries ProviderUnavailableError with .* not PROVIDER_RETRY/,
    );
  });
});

function setNode(states: States, name: string, patch: Record<string, unknown>): void {
  const node = (
    (states[name]!.Parameters as Record<string, unknown>).Payload as Record<string, Record<string, unknown>>
  ).node!;
  Object.assign(node, patch);
}

function dropRoute(states: States, choice: string, outcome: string): void {
  const rules = states[choice]!.Choices as Array<{ StringEquals: string }>;
  states[choice]!.Choices = rules.filter((r) => r.StringEquals !== outcome);
}

function addRoute(states: States, choice: string, outcome: string, next: string): void {
  (states[choice]!.Choices as unknown[]).push({ Variable: '$.outcome', StringEquals: outcome, Next: next });
}
