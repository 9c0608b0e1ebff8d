import { ATTRIBUTE_NAME, MAX_ATTRIBUTES } from './campaigns.dto';

/** Largest attribute object, serialised. */
const MAX_ATTRIBUTES_BYTES = 16 * 1024;

type Scalar = string | number | boolean;

/**
 * Why `value` is not a usable attribute object, or undefined when it is: names are identifiers (they become merge
 * tags and segment fields), values are strings, finite numbers or booleans (null only where `allowNull`, meaning
 * "remove"), at most MAX_ATTRIBUTES of them in 16 KiB.
 */
export function attributeProblem(value: Record<string, unknown>, allowNull: boolean): string | undefined {
  const entries = Object.entries(value);
  if (entries.length > MAX_ATTRIBUTES) {
    return `at most ${MAX_ATTRIBUTES} attributes`;
  }
  for (const [name, item] of entries) {
    if (!ATTRIBUTE_NAME.test(name)) {
      return `attribute name "${name.slice(0, 64)}" must be an identifier (letters, digits, _; 64 at most)`;
    }
    const scalar =
      typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item));
    if (!scalar && !(allowNull && item === null)) {
      return `attribute "${name}" must be a string, a number or a boolean${allowNull ? ' (null removes it)' : ''}`;
    }
  }
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_ATTRIBUTES_BYTES) {
    return 'attributes must be 16 KiB at most';
  }
  return undefined;
}

/** `current` with `changes` applied: a null value removes the attribute. */
export function mergeAttributes(
  current: Record<string, unknown>,
  changes: Record<string, unknown>,
): Record<string, Scalar> {
  const merged: Record<string, unknown> = { ...current };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) {
      delete merged[name];
    } else {
      merged[name] = value;
    }
  }
  return merged as Record<string, Scalar>;
}
