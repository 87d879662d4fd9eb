import type { JsonValue } from './json.ts';
import { IntentTypeSchema } from './model.ts';
import type { IntentDefinition } from './reducer.ts';

/** A definition of any payload type, as held by a registry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- definitions differ in payload type; the registry never calls them with a typed payload
export type AnyIntentDefinition = IntentDefinition<any>;

/** The intent types a session accepts ([EM16]). Server and clients must register the same set. */
export class IntentRegistry {
  private readonly definitions = new Map<string, IntentDefinition>();

  constructor(definitions: readonly AnyIntentDefinition[] = []) {
    for (const definition of definitions) this.register(definition);
  }

  /** Throws for a malformed type name or a type that is already registered (a plugin may not replace another's rules). */
  register<P extends JsonValue>(definition: IntentDefinition<P>): this {
    const type = IntentTypeSchema.safeParse(definition.type);
    if (!type.success) throw new Error(`invalid intent type ${JSON.stringify(definition.type)}: ${type.error.issues[0]?.message}`);
    if (this.definitions.has(definition.type)) throw new Error(`intent type "${definition.type}" is already registered`);
    this.definitions.set(definition.type, definition as AnyIntentDefinition);
    return this;
  }

  get(type: string): IntentDefinition | undefined {
    return this.definitions.get(type);
  }

  has(type: string): boolean {
    return this.definitions.has(type);
  }

  /** Registered types in registration order. */
  types(): string[] {
    return [...this.definitions.keys()];
  }
}
