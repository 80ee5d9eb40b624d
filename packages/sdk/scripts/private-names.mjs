// Finds the private class members of the SDK that the bundle may shorten (esbuild `mangleProps`).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** Every `.ts` file of `dir` (not recursive: the SDK and protocol sources are flat). */
function tsFiles(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

/**
 * Names declared `private` in `sdkDir` that appear nowhere in `sdkDir` or `protocolDir` as an
 * interface or object-literal key, a public member, a string, or a property read on anything but
 * `this`. Such a name never crosses the bundle's edge (wire JSON, log data, app options, platform
 * APIs), so shortening it is invisible; a name that might cross is kept whole.
 */
export function privateMemberNames(sdkDir, protocolDir) {
  const priv = new Set();
  const keys = new Set();
  const isPrivate = (node) =>
    ts.getModifiers?.(node)?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword) ?? false;
  for (const file of [...tsFiles(sdkDir), ...tsFiles(protocolDir)]) {
    const inSdk = file.startsWith(sdkDir);
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : undefined;
      if (
        name &&
        (ts.isPropertyDeclaration(node) ||
          ts.isMethodDeclaration(node) ||
          ts.isGetAccessorDeclaration(node) ||
          ts.isSetAccessorDeclaration(node) ||
          (ts.isParameter(node) && ts.isConstructorDeclaration(node.parent)))
      ) {
        if (isPrivate(node) && inSdk) priv.add(name);
        else if (!ts.isParameter(node)) keys.add(name);
      }
      if (
        name &&
        (ts.isPropertySignature(node) || ts.isMethodSignature(node) || ts.isPropertyAssignment(node))
      )
        keys.add(name);
      if (ts.isShorthandPropertyAssignment(node)) keys.add(node.name.text);
      if (ts.isStringLiteralLike(node)) keys.add(node.text);
      if (ts.isPropertyAccessExpression(node) && node.expression.kind !== ts.SyntaxKind.ThisKeyword)
        keys.add(node.name.text);
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return [...priv].filter((n) => !keys.has(n)).sort();
}
