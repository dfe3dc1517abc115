/** Prints the configuration reference for README.md: npx tsx scripts/config-table.ts */
import { configTable } from '../src/config/configTable.js';

process.stdout.write(`${configTable()}\n`);
