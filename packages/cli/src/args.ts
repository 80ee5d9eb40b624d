/** Parsed command line: positional words and `--key value` / `--key=value` / `--flag` options. */
export interface ParsedArgs {
  positional: string[];
  options: Record<string, string>;
}

/**
 * Parses argv. A bare `--flag` followed by another option or nothing is `'true'`; `--no-flag` is
 * `'false'`. Values are strings; the consumer validates them.
 */
export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const body = a.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) {
      options[body.slice(0, eq)] = body.slice(eq + 1);
    } else if (body.startsWith('no-')) {
      options[body.slice(3)] = 'false';
    } else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        options[body] = next;
        i++;
      } else options[body] = 'true';
    }
  }
  return { positional, options };
}
