import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ConfigurationError } from '../../shared/errors.js';
import { callAws } from './call.js';
import type { EmailMessage, MessagingPort, SmsMessage } from './port.js';

/** The messaging port on AWS: email with SES v2 (from a verified identity, MESSAGING_EMAIL_FROM), SMS with SNS. */
export class AwsMessaging implements MessagingPort {
  private readonly ses = new SESv2Client({});
  private readonly sns = new SNSClient({});

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

  async sendSms(message: SmsMessage): Promise<void> {
    await callAws('SNS', () =>
      this.sns.send(
        new PublishCommand({
          PhoneNumber: message.to,
          Message: message.text,
          MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
        }),
      ),
    );
  }
}
