/** What every parser receives and returns; parsers add roots, packages and edges to the builder. */
import type { CompanionKind } from '../formats.ts';
import type { GraphBuilder } from '../graph.ts';

/** A manifest given with `--with`, already identified. */
export type Companion = { kind: CompanionKind; text: string; fileName: string };

export type ParseInput = {
  text: string;
  fileName: string;
  companion: Companion | null;
  builder: GraphBuilder;
  /** Things the reader of the result should know: what was ignored, what could not be told. */
  notes: string[];
};

export type ParseOutcome = {
  /** The format's own version (`3` for a v3 package-lock, `1.5` for CycloneDX, `berry 8` for yarn), when it says. */
  formatVersion: string | null;
  /** The product's name, when the file names it. */
  productName: string | null;
};
