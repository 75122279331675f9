-- Text masks in server encodings other than UTF-8: a single-byte one (LATIN1)
-- and a multibyte one (EUC_JP) take the generic character-counting path.
SET client_min_messages = warning;
DROP DATABASE IF EXISTS govcat_mask_latin1;
DROP DATABASE IF EXISTS govcat_mask_eucjp;
CREATE DATABASE govcat_mask_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
CREATE DATABASE govcat_mask_eucjp ENCODING 'EUC_JP' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
RESET client_min_messages;
\c govcat_mask_latin1
\encoding UTF8
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
RESET client_min_messages;
SELECT mesh.mask_partial('Ünïcødé', 2, 1) AS partial, length(mesh.mask_partial('Ünïcødé', 2, 1)) AS characters,
       octet_length(mesh.mask_partial('Ünïcødé', 2, 1)) AS latin1_bytes,
       mesh.mask_email('jürgen@exämple.de') AS email,
       mesh.mask_sha256('Ünïcødé') = encode(sha256(convert_to('Ünïcødé', 'LATIN1')), 'hex') AS sha256_of_latin1_bytes;
\c govcat_mask_eucjp
\encoding UTF8
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
RESET client_min_messages;
SELECT mesh.mask_partial('日本語のテキスト', 2, 1) AS partial, length(mesh.mask_partial('日本語のテキスト', 2, 1)) AS characters,
       mesh.mask_partial('日本', 1, 1) AS too_short, mesh.mask_email('たろう@example.jp') AS email;
\c postgres
DROP DATABASE govcat_mask_latin1;
DROP DATABASE govcat_mask_eucjp;
