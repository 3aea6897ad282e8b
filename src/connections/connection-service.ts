// STUB — replaced by the connections implementation.
import type { ServiceDeps } from '../service-deps.ts';
import type { Dssa, DssaPermissions } from './dssa.ts';

export interface DedicatedConnection {
  nid: number;
  orgId: number;
  name: string;
  callbackUrl: string;
  notifications: boolean;
  createdAt: number;
}

export class ConnectionService {
  constructor(readonly deps: ServiceDeps) {}
  async createOrganisation(_name: string): Promise<{ orgId: number }> {
    throw new Error('not implemented');
  }
  async createConnection(_input: {
    orgId: number;
    name?: string;
    callbackUrl: string;
    notifications: boolean;
    permissions: DssaPermissions;
    purpose?: string;
    gdprStatement?: string;
  }): Promise<{ nid: number; token: string }> {
    throw new Error('not implemented');
  }
  async getConnection(_nid: number): Promise<DedicatedConnection | undefined> {
    return undefined;
  }
  async latestDssa(_nid: number): Promise<Dssa | undefined> {
    return undefined;
  }
  async dssa(_nid: number, _version: number): Promise<Dssa | undefined> {
    return undefined;
  }
}
