/**
 * One thing a replica needs before a load balancer may send it clients
 * ([OPS2] in docs/operations.md): `probe` resolves when it is there and
 * rejects, with the reason, when it is not.
 */
export interface ReadinessCheck {
  /** The key in `/readyz`'s `checks`: `store`, `mongo`, `redis`, `leases`, `accepting`. */
  readonly name: string;
  probe(): Promise<void>;
}
