/** A unique attribute (userName or mail) is already taken by another user. */
export class UniqueConstraintError extends Error {
  readonly attribute: 'userName' | 'mail';
  constructor(attribute: 'userName' | 'mail', options?: ErrorOptions) {
    super(`A user with this ${attribute} already exists`, options);
    this.name = 'UniqueConstraintError';
    this.attribute = attribute;
  }
}

/** A conditional write lost a race: someone else changed the item first. */
export class ConcurrentUpdateError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConcurrentUpdateError';
  }
}
