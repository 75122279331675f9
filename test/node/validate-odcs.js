// Validates ODCS contracts against the official JSON Schema (draft 2019-09)
// with ajv.  Usage: node validate-odcs.js SCHEMA FILE...; each FILE holds one
// JSON document.  Prints `ok - FILE` or `not ok - FILE` with ajv's errors, one
// line per file; exits 1 if any file is invalid.
'use strict';
const fs = require('fs');
const Ajv2019 = require('ajv/dist/2019').default;
const addFormats = require('ajv-formats').default;

const [schemaFile, ...files] = process.argv.slice(2);
if (!schemaFile || files.length === 0) {
	console.error('usage: node validate-odcs.js SCHEMA FILE...');
	process.exit(2);
}
const ajv = new Ajv2019({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
let failed = 0;
for (const file of files) {
	let document;
	try {
		document = JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch (e) {
		console.log(`not ok - ${file} is JSON\n# ${e.message}`);
		failed++;
		continue;
	}
	if (validate(document)) {
		console.log(`ok - ${require('path').basename(file)} validates against the ODCS v3.1.0 JSON Schema`);
	} else {
		failed++;
		console.log(`not ok - ${require('path').basename(file)} validates against the ODCS v3.1.0 JSON Schema`);
		for (const error of validate.errors)
			console.log(`# ${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`);
	}
}
process.exit(failed ? 1 : 0);
