import * as v from 'valibot';
import { JourneyConfigurationError } from '../contract/errors.js';
import { clientKey, destinationKey, newSuspendedId } from '../contract/keys.js';
import type { NodeDefinition } from '../contract/nodes.js';
import { numberCallbacks } from '../shared/callbacks.js';
import { textFor } from './messages.js';

const localized = v.record(v.string(), v.string());

const configSchema = v.strictObject({
  /** AM's email template name; Proofline's templates are the subject and text below. */
  emailTemplateName: v.optional(v.string(), 'resetPassword'),
  /** The profile attribute the email goes to. */
  emailAttribute: v.optional(v.literal('mail'), 'mail'),
  /** Shown while the journey is suspended (AM's SuspendedTextOutputCallback message). */
  emailSuspendMessage: v.optional(localized),
  /** Read the address from the identified user (true) or from the collected `objectAttributes` (false). */
  objectLookup: v.optional(v.boolean(), true),
  identityAttribute: v.optional(v.string(), 'userName'),
  /** How long the link resumes the journey (AM: the realm's suspended-authentication duration). */
  expiresAfterMinutes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(24 * 60)), 15),
  /** Subject and body; `{{link}}` is the resume link, `{{userName}}` the user's name. */
  emailSubject: v.optional(localized),
  emailText: v.optional(localized),
});
type Config = v.InferOutput<typeof configSchema>;

const DEFAULT_SUSPEND_MESSAGE = {
  en: 'An email has been sent to the address you entered. Click the link in that email to proceed.',
  fr: "Un e-mail a été envoyé à l'adresse que vous avez saisie. Cliquez sur le lien qu'il contient pour continuer.",
};
const DEFAULT_SUBJECT = { en: 'Continue where you left off', fr: 'Reprendre là où vous vous êtes arrêté' };
const DEFAULT_TEXT = {
  en: 'Hello {{userName}},\n\nopen this link to continue:\n\n{{link}}\n\nIt expires soon and works once. If you did not ask for this, ignore this message.',
  fr: 'Bonjour {{userName}},\n\nouvrez ce lien pour continuer :\n\n{{link}}\n\nIl expire bientôt et ne fonctionne qu’une fois. Si vous n’êtes pas à l’origine de cette demande, ignorez ce message.',
};

/** A user id no user ever has: read for an unknown account, so that both paths do the same store work. */
const NO_USER = '00000000-0000-4000-8000-000000000000';

/**
 * Email Suspend (AM): emails a link that resumes the journey (`…?suspendedId=…`, what the ForgeRock SDK's
 * `FRAuth.resume(url)` reads) and suspends it with a SuspendedTextOutputCallback; following the link — once,
 * before it expires — continues at this node's single outcome. The link's secret is stored hashed (ADR 20).
 * The email is handed to a background sender (`mailer`), and for an unknown account the same calls are made
 * with nothing to send: the answer and the work on the response path do not tell who has an account. Messages
 * are throttled per destination and per client (429 with Retry-After), as the IPA link's are.
 */
export const emailSuspend = {
  type: 'EmailSuspendNode',
  displayName: 'Email Suspend',
  family: 'identity',
  configSchema,
  outcomes: () => ['outcome'],
  suspends: true,
  usesUiBaseUrl: () => true,
  mailsOffPath: true,
  async process(ctx) {
    // Resumed: only a followed link reaches here (JourneyService.resumeByLink).
    if (ctx.memo?.suspended === true) return { outcome: 'outcome' };
    const { mailer, uiBaseUrl, users, clock } = ctx.services;
    if (!mailer || !uiBaseUrl) {
      throw new JourneyConfigurationError(
        `${ctx.nodeId}: Email Suspend needs a mailer and the UI base URL (UI_BASE_URL; the uiBaseUrl setting)`,
      );
    }
    const user = ctx.config.objectLookup ? await users.get(ctx.state.userId ?? NO_USER) : undefined;
    const collected = ctx.state.objectAttributes?.mail;
    const to = ctx.config.objectLookup ? user?.mail : typeof collected === 'string' ? collected : undefined;
    // No inbox flooded, no client mailing many: the message counts against its destination (the address typed,
    // else the user's) and the client, whether or not anyone holds the address (429 alike).
    const destination = typeof collected === 'string' && collected !== '' ? collected : to;
    const client = clientKey(ctx.clientIp);
    const { policy } = ctx.services.throttle;
    await ctx.services.throttle.consume([
      ...(destination
        ? [{ id: `msg#${destinationKey(destination)}`, limit: policy.messagesPerDestination }]
        : []),
      ...(client ? [{ id: `msg#${client}`, limit: policy.messagesPerClient }] : []),
    ]);
    const { id, hash } = newSuspendedId(ctx.txId);
    const link = new URL(`${uiBaseUrl}/`);
    link.searchParams.set('suspendedId', id);
    link.searchParams.set('authIndexType', 'service');
    link.searchParams.set('authIndexValue', ctx.journey);
    link.searchParams.set('realm', ctx.realm === 'root' ? '/' : `/${ctx.realm}`);
    const fill = (text: string): string =>
      text.replaceAll('{{link}}', link.toString()).replaceAll('{{userName}}', user?.userName ?? '');
    await mailer.enqueue(
      to
        ? {
            to,
            subject: textFor(ctx, ctx.config.emailSubject, DEFAULT_SUBJECT),
            text: fill(textFor(ctx, ctx.config.emailText, DEFAULT_TEXT)),
          }
        : undefined,
    );
    return {
      suspend: {
        callbacks: numberCallbacks([
          {
            type: 'SuspendedTextOutputCallback',
            output: [
              {
                name: 'message',
                value: textFor(ctx, ctx.config.emailSuspendMessage, DEFAULT_SUSPEND_MESSAGE),
              },
              { name: 'messageType', value: '0' },
            ],
            input: [],
          },
        ]),
        memo: { suspended: true },
        resumeLink: {
          hash,
          expiresAt: Math.floor(clock.nowMs() / 1000) + ctx.config.expiresAfterMinutes * 60,
        },
      },
    };
  },
} satisfies NodeDefinition<Config>;
