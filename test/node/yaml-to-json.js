// Reads a YAML document with the `yaml` package (an implementation independent
// of libyaml) and prints it as JSON, so the shell suite can compare meshpg's
// YAML export with its JSON export.  Usage: node yaml-to-json.js FILE
'use strict';
const fs = require('fs');
const YAML = require('yaml');

const doc = YAML.parseDocument(fs.readFileSync(process.argv[2], 'utf8'), { version: '1.2', uniqueKeys: true });
if (doc.errors.length > 0) {
	for (const e of doc.errors)
		console.error(e.message);
	process.exit(1);
}
process.stdout.write(JSON.stringify(doc.toJS()));
