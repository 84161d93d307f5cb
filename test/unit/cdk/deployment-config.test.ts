import { readFileSync } from 'node:fs';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { listJourneyFiles } from '../../../functions/engine/asl.js';
import { deploymentSettings, planJourneys } from '../../../infra/cloud/settings.js';
import { synthesizeApp, TEST_CONFIG } from './synth.js';

/** Context as `--context name=value` passes it: every value a string. */
const asText = (settings: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(settings).map(([name, value]) => [
      name,
      typeof value === 'string'
        ? value
        : Array.isArray(value) && value.every((v) => typeof v === 'string')
          ? value.join(',')
          : JSON.stringify(value),
    ]),
  );
/** No esbuild: these tests look at the template's shape, not at the bundles. */
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const synth = (context: Record<string, unknown>) => {
  const { stack } = synthesizeApp({ ...NO_BUNDLING, ...context });
  return { stack, template: Template.fromStack(stack) };
};
const settingsOf = (context: Record<string, unknown>) => deploymentSettings((name) => context[name], {});
const { idemia, iproov, uiBaseUrl } = TEST_CONFIG as { idemia: object; iproov: object; uiBaseUrl: string };

describe('the deployment configuration', () => {
  it('parses every setting from the text --context passes, as the README writes it', () => {
    const settings = settingsOf(asText(TEST_CONFIG));

    expect(settings).toEqual({
      ...TEST_CONFIG,
      throttle: { THROTTLE_MESSAGE_DESTINATION_MAX: '5' },
    });
    expect(settingsOf({ journeys: 'Login, Registration', proofRetentionDays: '30' })).toEqual({
      journeys: ['Login', 'Registration'],
      proofRetentionDays: 30,
    });
    expect(settingsOf({ realms: '["alpha","bravo"]' })).toEqual({ realms: ['alpha', 'bravo'] });
  });

  it('takes the whole configuration as one config context (object or JSON text), settings overriding it', () => {
    expect(settingsOf({ config: JSON.stringify(TEST_CONFIG), stage: 'prod' })).toMatchObject({
      stage: 'prod',
      idemia,
      iproov,
    });
    expect(settingsOf({ config: { emailFrom: 'a@example.com' } })).toEqual({ emailFrom: 'a@example.com' });
    expect(deploymentSettings(() => undefined, { PROOFLINE_STAGE: 'qa' })).toEqual({ stage: 'qa' });
  });

  it.each([
    ['JSON text that is not JSON', { idemia: '{cognitoUrl:' }, /"idemia" must be a JSON object/],
    [
      'a vendor setting missing a field',
      { idemia: JSON.stringify({ ...idemia, applicationId: undefined }) },
      /"idemia\.applicationId".*missing/,
    ],
    [
      'a vendor URL that is not https',
      { iproov: { ...iproov, baseUrl: 'http://iproov.example/api/v2' } },
      /"iproov\.baseUrl" must be an https:\/\/ URL/,
    ],
    ['an unknown field', { iproov: { ...iproov, apiSecret: 'x' } }, /"iproov\.apiSecret" is unknown/],
    ['an unknown setting in config', { config: { emailfrom: 'a@example.com' } }, /"emailfrom" is unknown/],
    [
      'a number that is not one',
      { proofRetentionDays: 'ninety' },
      /"proofRetentionDays" must be a whole number/,
    ],
    ['a UI URL with a query', { uiBaseUrl: 'https://app.example/?a=1' }, /"uiBaseUrl" must have no query/],
    [
      'a wrong throttle setting',
      { throttle: '{"THROTTLE_LOGIN_MAX": 3}' },
      /unknown setting THROTTLE_LOGIN_MAX/,
    ],
  ])('refuses %s, naming the setting', (_case, context, message) => {
    expect(() => settingsOf(context)).toThrow(message);
  });

  it('takes termsVersion, a version published in terms/versions.json, and refuses any other', () => {
    const published = Object.keys(
      (
        JSON.parse(readFileSync(new URL('../../../terms/versions.json', import.meta.url), 'utf8')) as {
          versions: Record<string, unknown>;
        }
      ).versions,
    );

    for (const version of published)
      expect(settingsOf({ termsVersion: version })).toEqual({ termsVersion: version });
    expect(() => settingsOf({ termsVersion: '9.9' })).toThrow(
      new RegExp(
        `"termsVersion" must be a published terms version \\(${published.join(', ').replaceAll('.', '\\.')};`,
      ),
    );
    expect(() => settingsOf({ config: { termsVersion: 1.1 } })).toThrow(/"termsVersion"/);
  });

  it('takes locales, language tags the first of which is the fallback, and passes them as LOCALES', () => {
    expect(settingsOf({ locales: 'fr, en' })).toEqual({ locales: ['fr', 'en'] });
    expect(settingsOf({ config: { locales: ['en', 'fr-CA'] } })).toEqual({ locales: ['en', 'fr-ca'] });
    expect(() => settingsOf({ locales: 'en,english!' })).toThrow(
      /"locales" "english!" is not a language tag/,
    );
    expect(() => settingsOf({ locales: 'en,fr,en' })).toThrow(/"locales" names a locale twice/);
    expect(() => settingsOf({ config: { locales: [] } })).toThrow(/"locales" must name at least one locale/);

    const functions = synth({ ...TEST_CONFIG, locales: 'fr,en' }).template.findResources(
      'AWS::Lambda::Function',
    );
    const nodeEnvironments = Object.values(functions)
      .map((f) => (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties)
      .map((p) => p.Environment?.Variables ?? {})
      // The node functions: those given the throttle settings (TEST_CONFIG sets one).
      .filter((variables) => 'THROTTLE_MESSAGE_DESTINATION_MAX' in variables);
    expect(nodeEnvironments).toHaveLength(3);
    for (const variables of nodeEnvironments) expect(variables.LOCALES).toBe('fr,en');
  });

  it('accepts plain http vendor endpoints on loopback only (a test stack’s sandboxes)', () => {
    const local = { ...iproov, baseUrl: 'http://127.0.0.1:8082/api/v2' };
    expect(settingsOf({ iproov: local }).iproov).toEqual(local);
  });
});

describe('which journeys deploy', () => {
  const journeysOf = (settings: Parameters<typeof planJourneys>[0]) =>
    planJourneys(settings).journeys.map((j) => j.file.journey);

  it('by default, every journey whose vendors are configured; the vendors from the nodes’ families', () => {
    const all = listJourneyFiles().map((f) => f.journey);
    const plan = planJourneys({});

    expect(plan.journeys.map((j) => j.file.journey)).toEqual([
      'Login',
      'ProgressiveProfile',
      'Registration',
      'UpdatePassword',
    ]);
    expect(plan.leftOut).toEqual([
      { journey: 'ForgottenUsername', missing: ['uiBaseUrl'] },
      { journey: 'IProovLogin', missing: ['iproov'] },
      { journey: 'IdentityProofing', missing: ['idemia', 'iproov', 'uiBaseUrl'] },
      { journey: 'ResetPassword', missing: ['uiBaseUrl'] },
    ]);
    expect(journeysOf({ iproov: iproov as never })).toEqual([
      'IProovLogin',
      'Login',
      'ProgressiveProfile',
      'Registration',
      'UpdatePassword',
    ]);
    expect(journeysOf({ idemia: idemia as never, iproov: iproov as never, uiBaseUrl })).toEqual(all);
  });

  it('exactly the journeys named; one whose vendor is not configured fails the synthesis', () => {
    expect(journeysOf({ journeys: ['Login', 'ProgressiveProfile'], iproov: iproov as never })).toEqual([
      'Login',
      'ProgressiveProfile',
    ]);
    // A journey deploys with the journeys it runs (Inner Tree Evaluator).
    expect(() => planJourneys({ journeys: ['Login'] })).toThrow(
      /"journeys" names Login, which runs ProgressiveProfile: name it too/,
    );
    expect(() => planJourneys({ journeys: ['IProovLogin'] })).toThrow(
      /"journeys" names IProovLogin, which needs iproov: configure the "iproov" setting/,
    );
    expect(() => planJourneys({ journeys: ['Nope'] })).toThrow(
      /"journeys" names Nope, which is not a journey/,
    );
  });

  it('needs uiBaseUrl for a journey that sends people to a page (IDEMIA’s REDIRECT, Email Suspend’s link)', () => {
    const plan = planJourneys({ idemia: idemia as never, iproov: iproov as never });
    expect(plan.leftOut).toEqual([
      { journey: 'ForgottenUsername', missing: ['uiBaseUrl'] },
      { journey: 'IdentityProofing', missing: ['uiBaseUrl'] },
      { journey: 'ResetPassword', missing: ['uiBaseUrl'] },
    ]);
    expect(() => planJourneys({ journeys: ['ResetPassword'] })).toThrow(
      /"journeys" names ResetPassword, which needs uiBaseUrl \(it sends people to a page: EmailSuspend\)/,
    );
    expect(journeysOf({ journeys: ['IProovLogin'], iproov: iproov as never })).toEqual(['IProovLogin']);
  });
});

describe('the stack from the deployment configuration', () => {
  it('configures both vendors from --context text: their settings reach the functions, webhooks enabled', () => {
    const { stack, template } = synth(asText(TEST_CONFIG));

    expect(Object.keys(stack.stateMachines).sort()).toEqual(
      listJourneyFiles()
        .map((f) => f.journey)
        .sort(),
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          IDEMIA_APPLICATION_ID: 'test-application',
          IDEMIA_COGNITO_URL: 'https://idemia-cognito.proofline.example',
          UI_BASE_URL: uiBaseUrl,
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'Proofline-test-webhooks',
      Environment: { Variables: Match.objectLike({ IDEMIA_APPLICATION_ID: 'test-application' }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ IPROOV_BASE_URL: 'https://iproov.proofline.example/api/v2' }),
      },
    });
    // The OpenID Provider names the configured trust framework in verified_claims.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ IDA_TRUST_FRAMEWORK: 'eidas', OIDC_KEYS_SECRET_ARN: Match.anyValue() }),
      },
    });
    // The hosted pages load iProov's web SDK for the face step.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          IPROOV_WEB_SDK_URL: 'https://cdn.iproov.proofline.example/iproov-web-sdk.js',
          IPROOV_BASE_URL: 'https://iproov.proofline.example/api/v2',
          JOURNEYS: Match.anyValue(),
        }),
      },
    });
    // successUrl is the UI's root page.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ REALMS: 'alpha', UI_BASE_URL: uiBaseUrl }) },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('not-configured');
  });

  it('passes termsVersion to every node function as TERMS_VERSION, and nothing without it', () => {
    // The node families' functions (NodeFunctions' `<Family>NodesFunction`): e.g. identity, for Registration.
    const nodeFunctions = (template: Template) =>
      Object.entries(template.findResources('AWS::Lambda::Function'))
        .filter(([logicalId]) => /NodesFunction/.test(logicalId))
        .map(([, f]) => f);
    const env = (f: { Properties?: { Environment?: { Variables?: Record<string, unknown> } } }) =>
      f.Properties?.Environment?.Variables ?? {};

    const chosen = synth({ termsVersion: '1.0' }).template;
    const latest = synth({}).template;

    expect(nodeFunctions(chosen).length).toBeGreaterThan(0);
    for (const f of nodeFunctions(chosen)) expect(env(f).TERMS_VERSION).toBe('1.0');
    for (const f of nodeFunctions(latest)) expect(env(f)).not.toHaveProperty('TERMS_VERSION');
  });

  /** The hosted pages' routes (ADR 23), deployed whatever the vendors. */
  const OIDC_ROUTES = ['GET', 'POST', 'OPTIONS'].map((method) => `${method} /oauth2/{proxy+}`);
  const PAGE_ROUTES = [
    '$default',
    ...['/', '/pages/{asset}', '/enduser', '/console'].flatMap((p) => [`GET ${p}`, `HEAD ${p}`]),
  ];

  it('without vendors: only the journeys they do not need, a warning for each left out, no webhooks', () => {
    const { stack, template } = synth({});

    expect(Object.keys(stack.stateMachines)).toEqual([
      'Login',
      'ProgressiveProfile',
      'Registration',
      'UpdatePassword',
    ]);
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).sort()).toEqual([
      expect.stringMatching(/^ApiFunction/),
      expect.stringMatching(/^IdentityNodesFunction/),
      expect.stringMatching(/^OidcFunction/),
      expect.stringMatching(/^PagesFunction/),
    ]);
    // The OpenID Provider's keys only: no vendor secret.
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(
      Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
        .map((r) => r.Properties.RouteKey)
        .sort(),
    ).toEqual(['POST /json/{proxy+}', ...OIDC_ROUTES, ...PAGE_ROUTES].sort());
    const warnings = Annotations.fromStack(stack)
      .findWarning('*', Match.stringLikeRegexp('is not deployed'))
      .map((w) => String(w.entry.data));
    expect(warnings).toEqual([
      expect.stringMatching(/^Journey ForgottenUsername is not deployed: it needs uiBaseUrl/),
      expect.stringMatching(/^Journey IProovLogin is not deployed: it needs iproov/),
      expect.stringMatching(/^Journey IdentityProofing is not deployed: it needs idemia and iproov/),
      expect.stringMatching(/^Journey ResetPassword is not deployed: it needs uiBaseUrl/),
    ]);
  });

  it('with one vendor: its webhook route only, and nothing of the other', () => {
    const { stack, template } = synth({ iproov: JSON.stringify(iproov) });

    expect(Object.keys(stack.stateMachines)).toEqual([
      'IProovLogin',
      'Login',
      'ProgressiveProfile',
      'Registration',
      'UpdatePassword',
    ]);
    expect(
      Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
        .map((r) => r.Properties.RouteKey)
        .sort(),
    ).toEqual(
      ['POST /json/{proxy+}', 'POST /webhooks/iproov/{proxy+}', ...OIDC_ROUTES, ...PAGE_ROUTES].sort(),
    );
    const webhook = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('WebhookFunction'),
    )?.[1];
    expect(webhook?.Properties.Environment.Variables.IDEMIA_APPLICATION_ID).toBeUndefined();
    expect(stack.node.tryFindChild('IdemiaNodesFunction')).toBeUndefined();
    expect(stack.node.tryFindChild('IdemiaSecret')).toBeUndefined();
  });

  it('fails the synthesis, naming the setting, on a journey named without its vendor', () => {
    expect(() => synth({ journeys: 'Login,IdentityProofing', iproov: JSON.stringify(iproov) })).toThrow(
      /Deployment setting "journeys" names IdentityProofing, which needs idemia/,
    );
  });
});
