// Which types the public signatures of a subpath use without the subpath exporting them: the
// declarations the package's "exports" point at, read with the TypeScript compiler (shared by
// the test and by anyone checking a new export by hand).
import { dirname, join, sep } from 'node:path';
import ts from 'typescript';

/** The package's declarations as one TypeScript program, with what each entry exports. */
export interface PackageTypes {
  readonly entries: Readonly<Record<string, string>>;
  readonly checker: ts.TypeChecker;
  /** dist/src/ with a trailing separator. */
  readonly srcRoot: string;
  readonly exportsOf: ReadonlyMap<string, ReadonlySet<ts.Symbol>>;
  /** Follow an import/export alias to the declared symbol. */
  readonly resolve: (s: ts.Symbol) => ts.Symbol;
}

export function loadPackageTypes(entries: Readonly<Record<string, string>>): PackageTypes {
  const program = ts.createProgram(Object.values(entries), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: [], skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const resolve = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const exportsOf = new Map<string, Set<ts.Symbol>>();
  for (const [name, file] of Object.entries(entries)) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`cannot read ${file}`);
    exportsOf.set(name, new Set(checker.getExportsOfModule(moduleSymbol).map(resolve)));
  }
  return { entries, checker, srcRoot: `${dirname(dirname(entries['./wire']!))}${sep}`, exportsOf, resolve };
}

/**
 * The subpath that is the home of a declaration file under dist/src: its layer's
 * (`src/ops/core/spec.d.ts` → `./ops`), or the root for files outside a layer with a subpath.
 */
function homeOf(file: string, srcRoot: string, entries: Readonly<Record<string, string>>): string {
  const layer = `./${file.slice(srcRoot.length).split(sep)[0]}`;
  return layer in entries ? layer : '.';
}

/**
 * Every type the exports of the package's entries reach (through signatures, members and
 * the types those name) that its home subpath does not export: `Type (src/..., used by X)`.
 * A type may be reached from any subpath (btfkit/ops takes a `Btf`) but must be nameable
 * from its own layer's.
 */
export function unexportedTypes(pkg: PackageTypes): string[] {
  const { entries, checker, srcRoot, exportsOf, resolve } = pkg;
  const missing = new Map<ts.Symbol, string>();
  const seen = new Set<ts.Symbol>();
  const work: Array<{ symbol: ts.Symbol; from: string }> = [];
  for (const set of exportsOf.values()) for (const symbol of set) work.push({ symbol, from: symbol.name });
  while (work.length > 0) {
    const { symbol, from } = work.pop()!;
    if (seen.has(symbol)) continue;
    seen.add(symbol);
    for (const decl of symbol.declarations ?? []) {
      const visit = (node: ts.Node): void => {
        // Private members are not part of the published surface (@internal ones are not emitted).
        if ((ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node)) && ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Private) return;
        if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
          const target = checker.getSymbolAtLocation(ts.isTypeReferenceNode(node) ? node.typeName : node.expression);
          const real = target && resolve(target);
          const file = real?.declarations?.[0]?.getSourceFile().fileName;
          if (real && file?.startsWith(srcRoot) && !(real.flags & ts.SymbolFlags.TypeParameter)) {
            const home = homeOf(file, srcRoot, entries);
            if (!exportsOf.get(home)!.has(real)) missing.set(real, `${real.name} (${file.slice(srcRoot.length)}, used by ${from}) is not exported by ${home}`);
            work.push({ symbol: real, from: real.name });
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(decl);
    }
  }
  return [...missing.values()].sort();
}

/** The package's entries: subpath → its declaration file under `root`. */
export function packageEntries(root: string, exportsField: Record<string, unknown>): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(exportsField)) {
    if (typeof target === 'object' && target !== null && 'types' in target) entries[subpath] = join(root, String((target as { types: string }).types));
  }
  return entries;
}

/**
 * `file: Name` for each function, class, interface and type alias the entries export without
 * a TSDoc comment (constants are left out: their names say what they are).
 */
export function undocumentedExports(pkg: PackageTypes): string[] {
  const { checker, srcRoot, exportsOf } = pkg;
  const seen = new Set<ts.Symbol>();
  const out: string[] = [];
  for (const exported of exportsOf.values()) {
    for (const symbol of exported) {
      if (seen.has(symbol) || symbol.flags & ts.SymbolFlags.Variable) continue;
      seen.add(symbol);
      if (ts.displayPartsToString(symbol.getDocumentationComment(checker)) === '') {
        const declFile = symbol.declarations?.[0]?.getSourceFile().fileName ?? '?';
        out.push(`${declFile.slice(srcRoot.length).replace(/\.d\.ts$/, '.ts')}: ${symbol.name}`);
      }
    }
  }
  return out.sort();
}

/**
 * `Type <- fn` for each type a parameter or return type of a function or public method the
 * entry exports names without the entry exporting it: what a user of that entry alone could
 * not name (the root `btfkit` re-exports the option and result types of what it exports).
 */
export function signatureGaps(pkg: PackageTypes, subpath: string): string[] {
  const { checker, resolve } = pkg;
  const srcRoot = `${dirname(pkg.entries[subpath]!)}${sep}`;
  const exported = pkg.exportsOf.get(subpath)!;
  const gaps = new Set<string>();
  for (const symbol of exported) {
    const visitFrom = (owner: string) => {
      const visit = (node: ts.Node): void => {
        if (ts.isTypeReferenceNode(node)) {
          const target = checker.getSymbolAtLocation(node.typeName);
          const real = target && resolve(target);
          const file = real?.declarations?.[0]?.getSourceFile().fileName;
          if (real && file?.startsWith(srcRoot) && !exported.has(real) && !(real.flags & ts.SymbolFlags.TypeParameter)) gaps.add(`${real.name} <- ${owner}`);
        }
        ts.forEachChild(node, visit);
      };
      return visit;
    };
    for (const decl of symbol.declarations ?? []) {
      const signatures: ts.SignatureDeclaration[] = [];
      if (ts.isFunctionDeclaration(decl)) signatures.push(decl);
      if (ts.isClassDeclaration(decl)) {
        for (const m of decl.members) {
          if ((ts.isMethodDeclaration(m) || ts.isConstructorDeclaration(m)) && !(ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Private)) signatures.push(m);
        }
      }
      const visit = visitFrom(symbol.name);
      for (const sig of signatures) {
        for (const p of sig.parameters) visit(p);
        if (sig.type) visit(sig.type);
      }
    }
  }
  return [...gaps].sort();
}
