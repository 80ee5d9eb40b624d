import { Command, Option } from 'commander';
import type { ParsedArgs } from './args.js';
import { configKeyType, configKeys, envName } from './config.js';

/** One `minirtc` command: its help text, its own options, and what runs it. */
export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Positional arguments in commander syntax, e.g. `[dir]`. */
  args?: string;
  /** The command's own options: `[flags, description]`, e.g. `['--user <userID>', 'the token's user']`. */
  options: [string, string][];
  /** More help, printed after the options by `minirtc <command> --help`. */
  help?: string;
  /** Whether the command reads the configuration (then `--config` and every `--<key>` are accepted). */
  config: boolean;
  /** Runs the command with what was given on the command line; resolves with the exit code. */
  run(args: ParsedArgs): Promise<number>;
}

/**
 * The `--<key>` options of the configuration, one per key of the schema (`--rtmp.port <integer>`), so
 * that `--help` lists them and a misspelt key fails before anything starts. Booleans take an
 * optional value (`--devApp`, `--devApp false`) and have a `--no-<key>` form.
 */
function configOptions(): Option[] {
  const out: Option[] = [new Option('--config <file>', 'config file (YAML or JSON); env MINIRTC_CONFIG')];
  for (const key of configKeys) {
    const type = configKeyType(key);
    const value = type === 'boolean' ? '[bool]' : `<${type}>`;
    out.push(new Option(`--${key} ${value}`, `env ${envName(key)}`));
    if (type === 'boolean') out.push(new Option(`--no-${key}`).hideHelp());
  }
  // The form before `db` became `db.file` / `db.url` (config.ts maps it): still accepted, not listed.
  out.push(new Option('--db <file>', 'old form of --db.file').hideHelp());
  for (const o of out) o.helpGroup('Configuration (later wins: defaults, --config file, env, flags):');
  return out;
}

/**
 * What a command function receives: `positional` is `[command, ...arguments]`, `options` every option
 * given on the command line under its flag name (`app-id`, `rtmp.port`), as the string typed (`true` /
 * `false` for flags). Defaults stay with the commands and the config loader, so they are written once.
 */
function parsedArgs(cmd: Command, positional: string[]): ParsedArgs {
  const options: Record<string, string> = {};
  for (const opt of cmd.options) {
    const attr = opt.attributeName();
    if (cmd.getOptionValueSource(attr) !== 'cli' || !opt.long) continue;
    options[opt.long.replace(/^--(no-)?/, '')] = String(cmd.getOptionValue(attr));
  }
  return { positional: [cmd.name(), ...positional], options };
}

/**
 * The `minirtc` program (commander): a subcommand per spec, `minirtc <command> --help` for each, and
 * `minirtc help [command]`. `onRun` receives the promise of the command that the arguments select.
 */
export function buildProgram(
  specs: CommandSpec[],
  out: { out(s: string): void; err(s: string): void },
  onRun: (result: Promise<number>) => void,
): Command {
  const program = new Command('minirtc')
    .description('MiniRTC: self-hostable real-time audio/video for mini-programs (ZEGO Express compatible)')
    .usage('<command> [options]')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => out.out(s.replace(/\n$/, '')),
      writeErr: (s) => out.err(s.replace(/\n$/, '')),
    })
    .showSuggestionAfterError();
  for (const spec of specs) {
    const cmd = program
      .command(spec.args ? `${spec.name} ${spec.args}` : spec.name)
      .description(spec.summary);
    for (const [flags, description] of spec.options) cmd.option(flags, description);
    if (spec.help) cmd.addHelpText('after', spec.help);
    if (spec.config) for (const o of configOptions()) cmd.addOption(o);
    cmd.action((...params: unknown[]) => {
      // commander passes the positional arguments, then the options object, then the command.
      const self = params[params.length - 1] as Command;
      const positional = params.slice(0, -2).filter((p): p is string => typeof p === 'string');
      onRun(spec.run(parsedArgs(self, positional)));
    });
  }
  return program;
}
