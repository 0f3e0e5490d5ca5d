/**
 * The type of a group of options' values as a shared function reads them (runCommand, the run-time
 * options): derived from the same option objects the builders give yargs, so the two cannot drift.
 */
import type { InferredOptionType, Options } from 'yargs';

/** An option's name as yargs also gives its value ('docker-host' → 'dockerHost'). */
type CamelCase<Name extends string> = Name extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : Name;

/**
 * Each value may be absent: yargs sets only the options that were given or have a default, and
 * callers (tests included) pass just the options they care about.
 */
export type OptionValues<O extends Record<string, Options>> = { [Name in keyof O & string as CamelCase<Name>]?: InferredOptionType<O[Name]> };
