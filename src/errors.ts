/**
 * The one error catalogue. Codes are stable and never reused; where an error
 * reaches the API it carries its HTTP status and serialises as {code, message, details}.
 */
export interface ErrorDetail {
  path: string;
  message: string;
}

export class PlexusError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 500,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'PlexusError';
  }

  toJSON() {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export class ConfigError extends PlexusError {
  constructor(message: string, details: ErrorDetail[]) {
    super('PLX_CONFIG_INVALID', message, 400, details);
  }
}

export class NoConfigError extends PlexusError {
  constructor(dataDir: string) {
    super('PLX_NO_CONFIG', `no configuration stored in ${dataDir}: start once with --config FILE to import one`, 500);
  }
}

export class DatabaseTooNewError extends PlexusError {
  constructor(found: number, supported: number) {
    super(
      'PLX_DB_TOO_NEW',
      `the database has schema version ${found}, newer than this Plexus supports (${supported}); upgrade Plexus instead of opening it with an older one`,
    );
  }
}
