import { buildSchema, getIntrospectionQuery, Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { analyzeOperation, DEFAULT_CONNECTION_PAGE_SIZE, VIEW_URL_FIELD_COST } from './query-analysis';

const schema = buildSchema(`
  type Query {
    viewer: User
    image(id: ID!): Image
    images(first: Int, after: String): ImageConnection!
  }
  type User { id: ID! displayName: String! }
  type Image { id: ID! filename: String! url: String urlExpiresAt: String owner: User! related: Image similar: Image }
  type ImageEdge { cursor: String! node: Image! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type ImageConnection { edges: [ImageEdge!]! pageInfo: PageInfo! totalCount: Int! }
`);

function analyze(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = document.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments = Object.fromEntries(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  return analyzeOperation(schema, operation, fragments, variables);
}

describe('analyzeOperation', () => {
  it('counts one per plain field and depth from the root', () => {
    const result = analyze('{ viewer { id displayName } }');
    expect(result.cost).toBe(3);
    expect(result.depth).toBe(2);
    expect(result.aliases).toBe(0);
  });

  it('charges view URL fields more', () => {
    const result = analyze('query ($id: ID!) { image(id: $id) { id url urlExpiresAt } }');
    expect(result.cost).toBe(1 + 1 + 2 * VIEW_URL_FIELD_COST);
    expect(result.viewUrlFields).toBe(2);
  });

  it('multiplies connection selections by first', () => {
    // images 1 + first × (edges 1 + node 1 + id 1 + url 10)
    const literal = analyze('{ images(first: 5) { edges { node { id url } } } }');
    expect(literal.cost).toBe(1 + 5 * 13);
    expect(literal.viewUrlFields).toBe(5);

    const variable = analyze('query ($first: Int) { images(first: $first) { edges { node { id url } } } }', { first: 50 });
    expect(variable.cost).toBe(1 + 50 * 13);

    const omitted = analyze('{ images { totalCount } }');
    expect(omitted.cost).toBe(1 + DEFAULT_CONNECTION_PAGE_SIZE);
  });

  it('counts negative page sizes as zero', () => {
    expect(analyze('{ images(first: -5) { totalCount } }').cost).toBe(1);
  });

  it('counts aliases, also inside fragments', () => {
    const query = `
      { a: viewer { id } b: viewer { id } ...F }
      fragment F on Query { c: viewer { name: displayName } }`;
    expect(analyze(query).aliases).toBe(4);
  });

  it('ignores __typename in cost', () => {
    expect(analyze('{ __typename viewer { __typename id } }').cost).toBe(2);
  });

  it('counts a fragment spread twice in one selection set once', () => {
    const once = analyze('{ viewer { ...U } } fragment U on User { id displayName }');
    const twice = analyze('{ viewer { ...U ...U } } fragment U on User { id displayName }');
    expect(twice.cost).toBe(once.cost);
  });

  it('measures chains of fragments in linear time', () => {
    // Each fragment spreads the next under two fields, so a walk without memoization visits 2^40 selections.
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1 ? `fragment F${i} on Image { id }` : `fragment F${i} on Image { related { ...F${i + 1} } similar { ...F${i + 1} } }`,
    );
    const started = performance.now();
    const result = analyze(`{ image(id: "x") { ...F0 } } ${fragments.join(' ')}`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.depth).toBe(levels + 1);
    expect(result.cost).toBeGreaterThan(2 ** levels);
  });

  it('doubles the count for each fan-out through fragments', () => {
    const query = `
      { image(id: "x") { ...A } }
      fragment A on Image { owner { ...B } o2: owner { ...B } }
      fragment B on User { id }`;
    // image 1 + owner (1 + id 1) + o2 (1 + id 1)
    expect(analyze(query).cost).toBe(5);
  });

  it('admits the standard introspection query within depth 15', () => {
    const result = analyze(getIntrospectionQuery());
    expect(result.depth).toBeLessThanOrEqual(15);
    expect(result.nestedIntrospectionList).toBeNull();
  });

  it('flags an introspection list nested in itself', () => {
    const result = analyze('{ __schema { types { fields { type { fields { name } } } } } }');
    expect(result.nestedIntrospectionList).toBe('__Type.fields');
  });

  it('flags an introspection list nested in itself through a fragment', () => {
    const query = `
      { __schema { types { ...T } } }
      fragment T on __Type { interfaces { ...I } }
      fragment I on __Type { interfaces { name } }`;
    expect(analyze(query).nestedIntrospectionList).toBe('__Type.interfaces');
  });
});
