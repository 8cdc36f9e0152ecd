// Makes a keyv storage adapter fail closed: keyv on its own turns a failed read into "no value",
// which reads a ban as absent and a rate-limit bucket as full. Every failure of the adapter
// becomes the one user-facing refusal instead, so nobody is let through (or told a write worked)
// while the store is broken.
import { messages } from '../../commands/messages.js';
import { UserFacingError } from '../../commands/user-facing-error.js';

/** The adapter methods that touch the data; everything else passes through untouched. */
const DATA_METHODS: ReadonlySet<PropertyKey> = new Set(['get', 'getMany', 'set', 'setMany', 'delete', 'deleteMany', 'has', 'hasMany', 'clear']);

export function storageUnavailable(cause: unknown): UserFacingError {
  const error = new UserFacingError('storage_unavailable', messages.storage.unavailable);
  error.cause = cause;
  return error;
}

export function failClosed<Store extends object>(store: Store, onError: (error: unknown) => void): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || !DATA_METHODS.has(property)) return value;
      return async (...args: unknown[]): Promise<unknown> => {
        try {
          return await (value as (...params: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          onError(error);
          throw storageUnavailable(error);
        }
      };
    },
  });
}
