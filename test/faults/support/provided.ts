/** What global-setup.ts provides to the fault suite's test files. */
declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    faultsControlUrl: string;
  }
}

export {};
