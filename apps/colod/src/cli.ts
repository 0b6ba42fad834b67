#!/usr/bin/env node
console.log("colod: not built yet");
