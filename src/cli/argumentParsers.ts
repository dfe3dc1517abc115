import { InvalidArgumentError } from 'commander';

/** Commander parsers that name the flag's value and what is allowed. */
export function nonNegativeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`'${text}' is not a non-negative integer`);
  }
  return value;
}

export function positiveInteger(text: string): number {
  const value = nonNegativeInteger(text);
  if (value === 0) throw new InvalidArgumentError(`'${text}' must be above 0`);
  return value;
}

export function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`'${text}' is not a positive number`);
  }
  return value;
}

export function ratio(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidArgumentError(`'${text}' is not a number from 0 to 1`);
  }
  return value;
}

/** A comma-separated list whose every item must be one of `allowed`. */
export function listOf<T extends string>(allowed: readonly T[]): (text: string) => T[] {
  return (text) => {
    const items = text.split(',').map((item) => item.trim());
    const bad = items.filter((item) => !allowed.includes(item as T));
    if (bad.length > 0) {
      throw new InvalidArgumentError(
        `'${bad.join(', ')}' not allowed; choose from ${allowed.join(', ')}`,
      );
    }
    return items as T[];
  };
}

export function oneOf<T extends string>(allowed: readonly T[]): (text: string) => T {
  return (text) => {
    if (!allowed.includes(text as T)) {
      throw new InvalidArgumentError(`'${text}' not allowed; choose from ${allowed.join(', ')}`);
    }
    return text as T;
  };
}
