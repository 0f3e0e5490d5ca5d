/**
 * A user's share of a node, by stack, and the units each reader takes. Kubernetes reads quantities
 * (`512Mi`, `2Gi`, `1.5G`); JupyterHub reads memory as a ByteSpecification: an integer of bytes, or a
 * number with K, M, G or T, powers of 1024 (`"2Gi"` fails KubeSpawner's start). Quantities are
 * converted exactly, through whole bytes, so that `2Gi` becomes `2G` and `1.5Gi` `1536M`.
 */
import { defaultMemory } from './notebook-pod.js';

/** What a user's server asks of a node. */
export interface StackResources {
  /** Bytes. */
  memoryLimit: bigint;
  /** Bytes the scheduler reserves: half the limit. */
  memoryGuarantee: bigint;
  /** Thousandths of a core. */
  cpuLimitMillis: number;
  cpuGuaranteeMillis: number;
}

/** CPU limits by stack: the Python-and-R-only stacks get one core, the heavier ones two. */
const CPU_LIMIT_MILLIS: Record<string, number> = { 'minimal-notebook': 1000, 'r-notebook': 1000 };
const DEFAULT_CPU_LIMIT_MILLIS = 2000;
/** A tenth of a core reserved per user: idle servers are the common case in a class. */
const CPU_GUARANTEE_MILLIS = 100;

const KI = 1024n;
const MI = KI * KI;
const GI = MI * KI;
const TI = GI * KI;

const BINARY: Record<string, bigint> = { Ki: KI, Mi: MI, Gi: GI, Ti: TI, Pi: TI * KI, Ei: TI * KI * KI };
const DECIMAL: Record<string, bigint> = { k: 10n ** 3n, M: 10n ** 6n, G: 10n ** 9n, T: 10n ** 12n, P: 10n ** 15n, E: 10n ** 18n };

/** A Kubernetes quantity (one the API server takes, as template-definition.ts checks them). */
const QUANTITY = /^(\d*)(?:\.(\d*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/** Whole bytes in a Kubernetes quantity, rounded up (`100m` is a tenth of a byte: 1). */
export function quantityBytes(quantity: string): bigint {
  const match = QUANTITY.exec(quantity);
  if (!match || (match[1] === '' && (match[2] ?? '') === '')) throw new Error(`not a Kubernetes quantity: ${quantity}`);
  const [, whole = '', fraction = '', suffix, exponent] = match;
  let numerator = BigInt(`${whole}${fraction}` || '0');
  let denominator = 10n ** BigInt(fraction.length);
  if (suffix === 'm') denominator *= 1000n;
  else if (suffix === 'u') denominator *= 10n ** 6n;
  else if (suffix === 'n') denominator *= 10n ** 9n;
  else if (suffix !== undefined) numerator *= BINARY[suffix] ?? DECIMAL[suffix]!;
  if (exponent !== undefined) {
    const power = Number.parseInt(exponent, 10);
    if (power >= 0) numerator *= 10n ** BigInt(power);
    else denominator *= 10n ** BigInt(-power);
  }
  return ceilDiv(numerator, denominator);
}

/**
 * Bytes as JupyterHub's ByteSpecification reads them: `2G`, `1536M` when a unit divides them (T, G
 * or M, powers of 1024), else the integer itself (a string of digits alone is refused).
 */
export function byteSpecification(bytes: bigint): string | number {
  for (const [suffix, size] of [
    ['T', TI],
    ['G', GI],
    ['M', MI],
  ] as const) {
    if (bytes >= size && bytes % size === 0n) return `${bytes / size}${suffix}`;
  }
  // Beyond 2^53 bytes (8 PiB) a number would lose digits: rounded up to whole M instead.
  return bytes <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(bytes) : `${ceilDiv(bytes, MI)}M`;
}

/** Bytes as a Kubernetes quantity: `300Gi`, else a decimal unit (`3T`), else the integer. */
export function kubernetesQuantity(bytes: bigint): string {
  const units = [...Object.entries(BINARY), ...Object.entries(DECIMAL)].sort(([, a], [, b]) => (a > b ? -1 : a < b ? 1 : 0));
  const unit = units.find(([, size]) => bytes >= size && bytes % size === 0n);
  return unit ? `${bytes / unit[1]}${unit[0]}` : `${bytes}`;
}

/** Thousandths of a core as a number of cores (`100` → 0.1). */
export const cores = (millis: number): number => millis / 1000;

/** The stack's share, with `memory` (a Kubernetes quantity) as the limit when given. */
export function stackResources(stack: string, memory?: string): StackResources {
  const memoryLimit = quantityBytes(memory ?? defaultMemory(stack));
  return {
    memoryLimit,
    memoryGuarantee: ceilDiv(memoryLimit, 2n),
    cpuLimitMillis: CPU_LIMIT_MILLIS[stack] ?? DEFAULT_CPU_LIMIT_MILLIS,
    cpuGuaranteeMillis: CPU_GUARANTEE_MILLIS,
  };
}
