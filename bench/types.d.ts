/** Minimal typings for the two untyped benchmark dependencies (only what bench/ uses). */

declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      pipelining?: number;
      /** seconds; ignored when `amount` is set */
      duration?: number;
      /** total requests; the run ends when every one has been answered */
      amount?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      /** seconds */
      timeout?: number;
      verifyBody?: (body: string) => boolean;
      /** requests each connection sends in turn (bench:memory's mixed load) */
      requests?: {
        method: string;
        path: string;
        headers?: Record<string, string>;
        body?: string;
        /** changes the request before it is sent (the sender-constrained token scenarios) */
        setupRequest?: (req: { headers?: Record<string, string>; body?: string }) => {
          headers?: Record<string, string>;
          body?: string;
        };
      }[];
    }
    interface Result {
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      resets: number;
      duration: number;
      statusCodeStats: Record<string, { count: number }>;
      requests: { average: number; total: number };
    }
    interface Instance extends EventEmitter {
      stop(): void;
    }
  }

  function autocannon(opts: autocannon.Options, cb: (err: Error | null, result: autocannon.Result) => void): autocannon.Instance;
  export = autocannon;
}

declare module 'oidc-provider-9' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
