#!/usr/bin/env bash
# scaffold DIR NAME "description" [dep ...]: package.json + tsconfig for a workspace package (used once per package).
set -euo pipefail
dir=$1; name=$2; desc=$3; shift 3
mkdir -p "$dir/src"
deps=""; refs=""
for d in "$@"; do
  deps+="\"$d\": \"*\","
  case $d in
    @colod/*) refs+="{ \"path\": \"../../packages/${d#@colod/}\" },";;
    libbpf-ts) refs+="{ \"path\": \"../../packages/libbpf-ts\" },";;
  esac
done
deps=${deps%,}; refs=${refs%,}
cat > "$dir/package.json" <<J
{
  "name": "$name",
  "version": "0.1.0",
  "description": "$desc",
  "license": "GPL-2.0-or-later",
  "type": "module",
  "exports": {
    ".": { "types": "./dist/index.d.ts", "default": "./dist/index.js" }
  },
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "files": ["dist", "src", "!src/**/*.test.ts", "README.md"],
  "scripts": {
    "build": "tsc --build",
    "typecheck": "tsc --noEmit -p tsconfig.check.json",
    "test": "cd ../.. && vitest run $dir"
  },
  "dependencies": { $deps }
}
J
cat > "$dir/tsconfig.json" <<J
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "tsBuildInfoFile": "dist/.tsbuildinfo" },
  "include": ["src/**/*.ts"],
  "exclude": ["src/**/*.test.ts", "src/**/*.fixtures.ts"],
  "references": [ $refs ]
}
J
cp packages/wire/tsconfig.check.json "$dir/tsconfig.check.json"
[ -f "$dir/src/index.ts" ] || echo "export {};" > "$dir/src/index.ts"
