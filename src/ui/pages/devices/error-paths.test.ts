/** API error details placed on fields, rows and columns; tag checks the UI makes itself. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describePath, errorsByRow, mergeRowErrors, parsePath, placeDetails, rowDetails } from './error-paths.ts';
import { checkTags, cleanTag, namesOutside, uniqueName, unknownType } from './tag-checks.ts';

describe('error paths', () => {
  it('parses paths with indexes', () => {
    assert.deepEqual(parsePath('groups[0].tags[12].type'), ['groups', 0, 'tags', 12, 'type']);
    assert.deepEqual(parsePath('connection.port'), ['connection', 'port']);
  });

  it('places details on the nearest known field, the rest in a list', () => {
    const placed = placeDetails(
      [
        { path: 'connection.port', message: 'must be an integer' },
        { path: 'connection.identity.kind', message: 'must be one of the known kinds' },
        { path: 'groups[0].tags[2].address', message: 'bad address' },
        { path: 'name', message: 'is taken' },
        { path: 'name', message: 'may not contain /' },
      ],
      ['name', 'connection.port', 'connection.identity'],
    );
    assert.deepEqual(placed.byPath, {
      name: 'is taken; may not contain /',
      'connection.port': 'must be an integer',
      'connection.identity': 'kind: must be one of the known kinds',
    });
    assert.deepEqual(placed.other, [{ path: 'groups[0].tags[2].address', message: 'bad address' }]);
  });

  it('maps tags[i].field to row and column, with an offset', () => {
    const { rows, other } = rowDetails(
      [
        { path: 'tags[3].address', message: 'bad' },
        { path: 'tags[0]', message: 'whole row' },
        { path: 'tags[1].steps[0].factor', message: 'must be a number' },
        { path: 'devices[0].groups[1].tags[0].name', message: 'duplicate' },
      ],
      'tags',
      10,
    );
    assert.deepEqual(rows, [
      { row: 13, column: 'address', message: 'bad' },
      { row: 10, column: undefined, message: 'whole row' },
      { row: 11, column: 'steps', message: '[0].factor: must be a number' },
    ]);
    assert.equal(other.length, 1);
  });

  it('merges the UI and gateway errors without saying the same thing twice', () => {
    const merged = mergeRowErrors(
      [{ row: 1, column: 'type', message: '"int15" is not a type' }],
      [
        { row: 1, column: 'type', message: 'must be one of: bool, …' },
        { row: 2, column: 'name', message: 'duplicate' },
      ],
    );
    assert.deepEqual(
      merged.map((e) => e.message),
      ['"int15" is not a type', 'duplicate'],
    );
    assert.deepEqual(errorsByRow(merged).get(2)?.get('name'), ['duplicate']);
  });

  it('describes paths for people', () => {
    const device = { name: 'D', groups: [{ name: 'fast', tags: [{ name: 'A' }, { name: 'B' }] }] };
    assert.equal(describePath('groups[0].tags[1].address', device), 'group "fast", tag "B", address');
    assert.equal(describePath('groups[3].name'), 'group 4, name');
    assert.equal(describePath('devices[2].groups[0].tags[0].name', device), 'group "fast", tag "A", name');
  });
});

describe('tag checks', () => {
  const dataTypes = ['bool', 'int16', 'float32'];

  it('finds missing and unknown values, and duplicate names in the list and in the device', () => {
    const errors = checkTags(
      [
        { name: 'A', address: '40001', type: 'float32' },
        { name: 'A', address: '40003', type: 'float33' },
        { name: '', address: '', type: 'int16', access: 'write' },
        { name: 'Other', address: '40005', type: 'bool' },
      ],
      { dataTypes, taken: new Map([['Other', 'slow']]) },
    );
    assert.deepEqual(
      errors.map((e) => `${e.row}.${e.column}: ${e.message}`),
      [
        '1.name: "A" is used by row 1 too',
        '1.type: "float33" is not a type: did you mean float32?',
        '2.name: is required',
        '2.access: "write" is not an access; use read or readwrite',
        '2.address: is required',
        '3.name: the device has a tag "Other" already (group slow)',
      ],
    );
  });

  it('suggests the type that was meant', () => {
    assert.equal(unknownType('REAL', dataTypes), '"REAL" is not a type: did you mean float32?');
    assert.equal(unknownType('in16', dataTypes), '"in16" is not a type: did you mean int16?');
    assert.equal(unknownType('timestamp', dataTypes), '"timestamp" is not a type: use one of bool, int16, float32');
  });

  it('makes names unique, lists the names of other groups and cleans tags for sending', () => {
    const taken = new Set(['Speed', 'Speed_2']);
    assert.equal(uniqueName('Speed', taken), 'Speed_3');
    assert.equal(uniqueName('Speed', taken), 'Speed_4');
    assert.deepEqual(
      [
        ...namesOutside(
          [
            { name: 'a', tags: [{ name: 'X' }] },
            { name: 'b', tags: [{ name: 'Y' }] },
          ],
          'a',
        ),
      ],
      [['Y', 'b']],
    );
    assert.deepEqual(cleanTag({ name: ' T ', address: ' 40001 ', type: 'int16', unit: '', description: '', access: '', steps: [] }), {
      name: 'T',
      address: '40001',
      type: 'int16',
      steps: [],
    });
  });
});
