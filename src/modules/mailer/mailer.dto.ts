/** What a module asks the mailer to send. Rendered by the caller; the mailer does not template. */
export interface SystemMailInput {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Kind of mail, e.g. `auth.verify-email`. */
  template: string;
  /** Same key twice → one mail. */
  idempotencyKey?: string;
  requestId?: string;
}

export interface QueuedSystemMail {
  id: string;
  status: string;
}
