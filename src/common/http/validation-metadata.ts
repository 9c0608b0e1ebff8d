import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Metadatas = ReturnType<Storage['getTargetValidationMetadatas']>;

let installed = false;

/**
 * class-validator looks a class's rules up again on every `validate()`: it walks every class that has rules (a few
 * hundred DTOs here) with `instanceof` to collect inherited ones, then filters them by the call's options — the
 * largest part of the validation pipe's cost per request (bench:pipeline). Rules only change when a decorator runs
 * (at import), so the answer is kept per class and options, and forgotten whenever a rule is added.
 */
export function memoiseValidationMetadata(storage: Storage = getMetadataStorage()): void {
  if (installed) {
    return;
  }
  installed = true;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  let cache = new Map<unknown, Map<string, Metadatas>>();
  storage.addValidationMetadata = (metadata) => {
    cache = new Map();
    add(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0000') ?? ''}`;
    let forTarget = cache.get(target);
    if (!forTarget) {
      forTarget = new Map();
      cache.set(target, forTarget);
    }
    let metadatas = forTarget.get(key);
    if (!metadatas) {
      metadatas = lookup(target, schema, always, strictGroups, groups);
      forTarget.set(key, metadatas);
    }
    return metadatas;
  };
}
