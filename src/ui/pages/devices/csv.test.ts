/** CSV for tag lists: RFC 4180 parsing and writing, and tags with every problem per row. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectDelimiter, formatCsv, parseCsv, tagsFromCsv, tagsToCsv } from './csv.ts';

const cells = (text: string) => parseCsv(text).records.map((r) => r.cells);

describe('parseCsv', () => {
  it('splits plain fields and records, with LF or CRLF line ends', () => {
    assert.deepEqual(cells('a,b,c\n1,2,3\n'), [
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
    assert.deepEqual(cells('a,b\r\n1,2\r\n'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
    assert.deepEqual(cells('a,b\r\n1,2'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('reads quoted fields with escaped quotes, delimiters and line breaks inside', () => {
    const parsed = parseCsv('name,description\r\nT1,"Temp, ""inlet""\r\nsecond line"\r\nT2,plain\r\n');
    assert.deepEqual(
      parsed.records.map((r) => r.cells),
      [
        ['name', 'description'],
        ['T1', 'Temp, "inlet"\r\nsecond line'],
        ['T2', 'plain'],
      ],
    );
    assert.deepEqual(
      parsed.records.map((r) => r.line),
      [1, 2, 4],
      'each record knows the line it starts on',
    );
    assert.deepEqual(parsed.errors, []);
  });

  it('keeps empty fields, skips blank lines, and drops a byte order mark', () => {
    assert.deepEqual(cells('\uFEFFa,,c\n\n,\n""\n'), [['a', '', 'c'], ['', ''], ['']]);
  });

  it('reports an unterminated quote and text after a closing quote', () => {
    const open = parseCsv('a,b\n1,"never closed\n2,3\n');
    assert.deepEqual(open.errors, [{ line: 2, message: 'a quoted field starting on line 2 has no closing quote' }]);
    const after = parseCsv('a,b\n"x"y,2\n');
    assert.equal(after.errors.length, 1);
    assert.equal(after.errors[0]?.line, 2);
    assert.deepEqual(after.records[1]?.cells, ['xy', '2']);
  });

  it('detects semicolons (decimal-comma spreadsheets) and tabs (a paste from a spreadsheet)', () => {
    assert.equal(detectDelimiter('name;address;type\nT1;40001;float32'), ';');
    assert.equal(detectDelimiter('name\taddress\ttype'), '\t');
    assert.equal(detectDelimiter('name,address,type'), ',');
    assert.equal(detectDelimiter('"a;b",c\n'), ',', 'delimiters inside quotes do not count');
    assert.deepEqual(cells('a\tb\n1\t2'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
  });
});

describe('formatCsv', () => {
  it('quotes only what needs quotes and ends lines with CRLF', () => {
    assert.equal(
      formatCsv([
        ['a', 'b,c', 'say "hi"', 'two\nlines', ' pad'],
        ['1', '', '', '', ''],
      ]),
      'a,"b,c","say ""hi""","two\nlines"," pad"\r\n1,,,,\r\n',
    );
  });

  it('round-trips through parseCsv', () => {
    const rows = [
      ['name', 'description'],
      ['T1', 'a, "b"\r\nc'],
      ['', 'x'],
    ];
    assert.deepEqual(cells(formatCsv(rows)), rows);
  });
});

describe('tags from CSV', () => {
  it('reads the columns in any order and case, with access spellings and optional columns', () => {
    const result = tagsFromCsv('Type,Name,Address,Access,Unit\nFLOAT32,T1,40001,rw,°C\nint16,T2,HR10,,\n');
    assert.deepEqual(result.fileErrors, []);
    assert.deepEqual(result.rowErrors, []);
    assert.deepEqual(
      result.rows.map((r) => r.tag),
      [
        { name: 'T1', type: 'float32', address: '40001', access: 'readwrite', unit: '°C' },
        { name: 'T2', type: 'int16', address: 'HR10' },
      ],
    );
  });

  it('refuses a file without a header naming name, address and type', () => {
    assert.match(tagsFromCsv('T1,40001,float32\n').fileErrors[0] ?? '', /has no name, address, type columns/);
    assert.match(tagsFromCsv('').fileErrors[0] ?? '', /nothing to import/);
    assert.match(tagsFromCsv('name,address,type\n').fileErrors[0] ?? '', /no tags/);
  });

  it('puts a row with too many cells and a broken quote on its row', () => {
    const result = tagsFromCsv('name,address,type\nT1,40001,float32,extra\nT2,"40003,float32\n');
    assert.deepEqual(
      result.rowErrors.map((e) => e.row),
      [1, 0],
    );
    assert.match(result.rowErrors[1]?.message ?? '', /has 4 cells, the header 3/);
    assert.match(result.rowErrors[0]?.message ?? '', /line 3: a quoted field starting on line 3 has no closing quote/);
  });

  it('notes ignored columns', () => {
    assert.deepEqual(tagsFromCsv('name,address,type,scale\nT1,40001,float32,2\n').notes, ['ignored column: "scale"']);
  });

  it('writes the columns people edit, and reads its own export back', () => {
    const tags = [
      { name: 'T1', address: '40001', type: 'float32', access: 'read', unit: 'bar', description: 'Inlet, "main"', steps: [{ kind: 'scale' }] },
      { name: 'T2', address: 'ns=2;s=A,B', type: 'string', access: 'readwrite' },
    ];
    const csv = tagsToCsv(tags);
    assert.equal(csv.split('\r\n')[0], 'name,address,type,access,unit,description');
    assert.deepEqual(
      tagsFromCsv(csv).rows.map((r) => r.tag),
      [
        { name: 'T1', address: '40001', type: 'float32', access: 'read', unit: 'bar', description: 'Inlet, "main"' },
        { name: 'T2', address: 'ns=2;s=A,B', type: 'string', access: 'readwrite' },
      ],
    );
  });
});
