/**
 * A source that could not be read (unreachable, refused, too large, malformed). Its
 * message is shown to the admin and recorded, after the sync masks the source's secrets.
 */
export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceError';
  }
}
