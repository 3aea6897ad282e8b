/** The compiled entry of the current sources, built now if needed; undefined if it cannot be. */
export declare function compiledEntry(): Promise<string | undefined>;
