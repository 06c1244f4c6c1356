/** The folder of an up-to-date console build, building it first when web/ changed. */
export declare function builtConsole(opts?: { log?: (s: string) => void }): Promise<string>;
