/** A backend whose reachability the server reports (`dungeonlab_backend_up`), named as the alerts know it. */
export interface BackendProbe {
  /** `mongo`, `redis`, `level`…: the `backend` label. */
  readonly name: string;
  /** Resolves when the backend answers; rejects (or hangs) when it does not. */
  ping(): Promise<void>;
}
