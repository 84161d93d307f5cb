import * as v from 'valibot';
import type { User } from '../contract/data.js';
import type { NodeDefinition } from '../contract/nodes.js';
import { EMAIL_TEMPLATE_NAMES, renderEmailTemplate } from './email-templates.js';

const configSchema = v.strictObject({
  /** The template (functions/nodes/email-templates.ts); AIC names IDM's templates here. */
  emailTemplateName: v.picklist(EMAIL_TEMPLATE_NAMES),
  /** The profile attribute holding the recipient's address. */
  emailAttribute: v.optional(v.literal('mail'), 'mail'),
  /**
   * The profile attribute that identifies the recipient, its value from shared state: `username` (or the
   * collected `objectAttributes`) for `userName`, the collected `objectAttributes.mail` for `mail`.
   */
  identityAttribute: v.optional(v.picklist(['userName', 'mail']), 'userName'),
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * Email Template (AM's EmailTemplateNode): emails the user identified in shared state from a template, without
 * waiting for anything (Email Suspend waits for its link). The profile is looked up by the identity attribute,
 * the address read from it. The message goes to the background sender (`mailer`, off the response path), which
 * is called for an unknown name too, with nothing to send: the look-up and the call are the same whether or not
 * the account exists, so a journey that routes EMAIL_SENT and EMAIL_NOT_SENT alike (as AM's docs recommend)
 * does not tell who has one. Without a mailer nothing is sent (EMAIL_NOT_SENT), alike for everyone.
 */
export const emailTemplate = {
  type: 'EmailTemplateNode',
  displayName: 'Email Template',
  family: 'identity',
  configSchema,
  outcomes: () => ['EMAIL_SENT', 'EMAIL_NOT_SENT'],
  suspends: false,
  mailsOffPath: true,
  async process(ctx) {
    const { users, mailer, uiBaseUrl } = ctx.services;
    const collected = ctx.state.objectAttributes?.[ctx.config.identityAttribute];
    const value = (
      ctx.config.identityAttribute === 'userName' && ctx.state.username !== undefined
        ? ctx.state.username
        : typeof collected === 'string'
          ? collected
          : ''
    ).trim();
    let user: User | undefined;
    if (value !== '') {
      user =
        ctx.config.identityAttribute === 'mail'
          ? await users.findByMail(ctx.realm, value)
          : await users.findByUserName(ctx.realm, value);
    }
    const to = user?.[ctx.config.emailAttribute];
    const message =
      user && to
        ? {
            to,
            ...renderEmailTemplate(ctx.config.emailTemplateName, ctx.locale, {
              userName: user.userName,
              uiBaseUrl,
            }),
          }
        : undefined;
    if (!mailer) return { outcome: 'EMAIL_NOT_SENT' };
    await mailer.enqueue(message);
    return { outcome: message ? 'EMAIL_SENT' : 'EMAIL_NOT_SENT' };
  },
} satisfies NodeDefinition<Config>;
