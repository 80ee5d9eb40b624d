import { main } from './main.js';

const io = {
  out: (l: string) => process.stdout.write(l + '\n'),
  err: (l: string) => process.stderr.write(l + '\n'),
  env: process.env,
};
const code = await main(process.argv.slice(2), io);
if (code !== 0) process.exit(code);
