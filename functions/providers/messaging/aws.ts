import { PublishCommand, SNSClient } from '../../aws/sns.js';
import { callAws } from './call.js';
import type { EmailMessage, MessagingPort, SmsMessage } from './port.js';
import { SesEmail } from './ses.js';

/** The messaging port on AWS: email with SES v2 (from a verified identity, MESSAGING_EMAIL_FROM), SMS with SNS. */
export class AwsMessaging implements MessagingPort {
  private readonly email: SesEmail;
  private readonly sns = new SNSClient({});

  constructor(from: string | undefined) {
    this.email = new SesEmail(from);
  }

  async sendEmail(message: EmailMessage): Promise<void> {
    await this.email.sendEmail(message);
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
