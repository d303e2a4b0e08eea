import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Cursor-connection paging state.' })
export class PageInfo {
  @Field({ description: 'Whether another page follows this one.' })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; pass it as `after` to get the next page.' })
  endCursor!: string | null;
}
