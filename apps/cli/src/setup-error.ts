/**
 * The command cannot run as things are set up (a server that does not answer, a token it refuses,
 * a data directory another process holds): exit code 2, one line saying what and what to do.
 * Nothing was written when it is thrown.
 */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}
