import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/** Measured cost of one operation, taken from the document before it runs. */
export interface QueryAnalysis {
  /** Deepest nesting of fields; a query of scalar root fields has depth 1. */
  depth: number;
  /** Sum of field costs, each connection's selection multiplied by its page size. */
  cost: number;
  /** Fields selected under an alias; fragments count once for each place they are spread. */
  aliases: number;
  /** Upper bound of view URL fields the operation can resolve, counted like the cost. */
  viewUrlFields: number;
  /**
   * An introspection list field selected inside itself, such as `fields { type { fields } }`,
   * as `Type.field`; null when there is none. Each such level multiplies the
   * response by the size of the list, which the cost does not count.
   */
  nestedIntrospectionList: string | null;
}

/** Cost of a plain field. */
export const FIELD_COST = 1;
/** Cost of a field that signs a view URL: signing, and the token's view URL budget, make it dearer. */
export const VIEW_URL_FIELD_COST = 10;
/** Fields that mint a presigned view URL, as `Type.field`. */
export const VIEW_URL_FIELDS: ReadonlySet<string> = new Set(['Image.url', 'Image.urlExpiresAt']);
/** Page size assumed when a connection field is asked for without `first`; every connection in the schema defaults to 20. */
export const DEFAULT_CONNECTION_PAGE_SIZE = 20;

interface Measure {
  cost: number;
  /** Nesting below this selection set, counting its own fields as 1. */
  height: number;
  aliases: number;
  viewUrlFields: number;
  /** Introspection list fields selected anywhere below, as `Type.field`. */
  introspectionLists: ReadonlySet<string>;
  nestedIntrospectionList: string | null;
}

const EMPTY: Measure = { cost: 0, height: 0, aliases: 0, viewUrlFields: 0, introspectionLists: new Set(), nestedIntrospectionList: null };

/**
 * Measures depth, cost, aliases and view URL fields of one operation. Every
 * fragment is measured once and reused, so a document of fragments that
 * spread each other cannot make the analysis itself slow. `@skip` and
 * `@include` are ignored, which can only overestimate.
 */
export function analyzeOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  variables: Readonly<Record<string, unknown>> = {},
): QueryAnalysis {
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return { depth: 0, cost: 0, aliases: 0, viewUrlFields: 0, nestedIntrospectionList: null };

  const fragmentMeasures = new Map<string, Measure>();

  const measureFragment = (name: string): Measure => {
    const known = fragmentMeasures.get(name);
    if (known) return known;
    // Placed before measuring, so a fragment cycle (which validation already rejects) ends here.
    fragmentMeasures.set(name, EMPTY);
    const fragment = fragments[name];
    const type = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
    const measure = fragment && type && isCompositeType(type) ? measureSelectionSet(fragment.selectionSet, type) : EMPTY;
    fragmentMeasures.set(name, measure);
    return measure;
  };

  const measureField = (node: FieldNode, parentType: GraphQLCompositeType): Measure => {
    const aliases = node.alias ? 1 : 0;
    if (node.name.value === '__typename') return { ...EMPTY, height: 1, aliases };
    const field = fieldDefinition(schema, parentType, node.name.value);
    if (!field) return { ...EMPTY, aliases };

    const coordinate = `${parentType.name}.${field.name}`;
    const isViewUrl = VIEW_URL_FIELDS.has(coordinate);
    const ownCost = isViewUrl ? VIEW_URL_FIELD_COST : FIELD_COST;
    const namedType = getNamedType(field.type);
    const children = node.selectionSet && isCompositeType(namedType) ? measureSelectionSet(node.selectionSet, namedType) : EMPTY;
    const multiplier = isConnection(namedType.name, field) ? pageSize(node, variables) : 1;

    let introspectionLists = children.introspectionLists;
    let nestedIntrospectionList = children.nestedIntrospectionList;
    if (parentType.name.startsWith('__') && isListType(getNullableType(field.type))) {
      if (introspectionLists.has(coordinate)) nestedIntrospectionList ??= coordinate;
      introspectionLists = new Set([...introspectionLists, coordinate]);
    }

    return {
      cost: ownCost + multiplier * children.cost,
      height: 1 + children.height,
      aliases: aliases + children.aliases,
      viewUrlFields: (isViewUrl ? 1 : 0) + multiplier * children.viewUrlFields,
      introspectionLists,
      nestedIntrospectionList,
    };
  };

  const measureSelectionSet = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType): Measure => {
    const total = { ...EMPTY, introspectionLists: new Set<string>() };
    const spread = new Set<string>();
    const add = (part: Measure) => {
      total.cost += part.cost;
      total.height = Math.max(total.height, part.height);
      total.aliases += part.aliases;
      total.viewUrlFields += part.viewUrlFields;
      for (const list of part.introspectionLists) total.introspectionLists.add(list);
      total.nestedIntrospectionList ??= part.nestedIntrospectionList;
    };

    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        add(measureField(selection, parentType));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        if (condition && isCompositeType(condition)) add(measureSelectionSet(selection.selectionSet, condition));
      } else if (!spread.has(selection.name.value)) {
        // Execution merges repeated spreads of one fragment in a selection set, so they count once.
        spread.add(selection.name.value);
        add(measureFragment(selection.name.value));
      }
    }
    return total;
  };

  const root = measureSelectionSet(operation.selectionSet, rootType);
  return {
    depth: root.height,
    cost: root.cost,
    aliases: root.aliases,
    viewUrlFields: root.viewUrlFields,
    nestedIntrospectionList: root.nestedIntrospectionList,
  };
}

function fieldDefinition(schema: GraphQLSchema, parentType: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (parentType === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return 'getFields' in parentType ? parentType.getFields()[name] : undefined;
}

/** Returns whether a field is a cursor connection: its type is named `...Connection` and it takes a page size `first`. */
function isConnection(typeName: string, field: GraphQLField<unknown, unknown>): boolean {
  return typeName.endsWith('Connection') && field.args.some((arg) => arg.name === 'first');
}

function pageSize(node: FieldNode, variables: Readonly<Record<string, unknown>>): number {
  const argument = node.arguments?.find((arg) => arg.name.value === 'first');
  const value = argument ? literalOrVariable(argument.value, variables) : undefined;
  // Out-of-range sizes are rejected by the resolver; here they only need to be counted, never below zero.
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.floor(value)) : DEFAULT_CONNECTION_PAGE_SIZE;
}

function literalOrVariable(value: ValueNode, variables: Readonly<Record<string, unknown>>): unknown {
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) return variables[value.name.value];
  return undefined;
}
