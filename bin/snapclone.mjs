#!/usr/bin/env node
import '../dist/snapclone.mjs';
