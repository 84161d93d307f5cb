import { SESv2Client, SendEmailCommand } from '../../aws/sesv2.js';
import { ConfigurationError } from '../../shared/errors.js';
import { callAws } from './call.js';
import type { EmailMessage } from './port.js';

/** Email with SES v2, from a verified identity (MESSAGING_EMAIL_FROM). Apart from SMS, so a bundle that only mails
 * (the identity family's mail events) does not carry SNS. */
export class SesEmail {
  private readonly ses = new SESv2Client({});

  constructor(private readonly from: string | undefined) {}

  async sendEmail(message: EmailMessage): Promise<void> {
    if (!this.from) throw new ConfigurationError('MESSAGING_EMAIL_FROM is required to send email');
    await callAws('SES', () =>
      this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: this.from,
          Destination: { ToAddresses: [message.to] },
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
            },
          },
        }),
      ),
    );
  }
}
