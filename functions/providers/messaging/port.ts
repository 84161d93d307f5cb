/** Sends messages to users: SES v2 and SNS in the cloud, an outbox locally. Never log message bodies (PII). */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface SmsMessage {
  /** E.164, e.g. +447700900123 */
  to: string;
  text: string;
}

export interface MessagingPort {
  sendEmail(message: EmailMessage): Promise<void>;
  sendSms(message: SmsMessage): Promise<void>;
}

export interface OutboxEntry {
  id: number;
  channel: 'email' | 'sms';
  to: string;
  subject?: string;
  text: string;
  sentAt: string;
}

/** The local stand-in: keeps what would have been sent, for the outbox page and for tests. */
export class OutboxMessaging implements MessagingPort {
  readonly entries: OutboxEntry[] = [];
  private next = 1;

  async sendEmail(message: EmailMessage): Promise<void> {
    this.entries.push({ id: this.next++, channel: 'email', ...message, sentAt: new Date().toISOString() });
  }

  async sendSms(message: SmsMessage): Promise<void> {
    this.entries.push({ id: this.next++, channel: 'sms', ...message, sentAt: new Date().toISOString() });
  }
}
