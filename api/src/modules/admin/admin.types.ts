import { Max, Min } from 'class-validator';
import { ArgsType, Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../../graphql/connection.types';
import { Role } from '../auth/roles';
import { UserType } from '../users/user.types';
import { MAX_QUOTA_IMAGES } from './user-admin.service';

@ObjectType({ description: 'An account in a connection.' })
export class UserEdge {
  @Field({ description: 'Opaque cursor of this edge.' })
  cursor!: string;

  @Field(() => UserType, { description: 'The account.' })
  node!: UserType;
}

@ObjectType({ description: 'A page of accounts, newest first.' })
export class UserConnection {
  @Field(() => [UserEdge], { description: 'The accounts of this page with their cursors.' })
  edges!: UserEdge[];

  @Field(() => PageInfo, { description: 'Where this page ends and whether more follow.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Number of accounts matching the search.' })
  totalCount!: number;
}

@ArgsType()
export class UsersArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100; default 20.' })
  first?: number;

  @Field(() => String, { nullable: true, description: 'Return accounts after this cursor.' })
  after?: string;

  @Field(() => String, { nullable: true, description: 'Only accounts whose email address or display name contains this text, ignoring case.' })
  search?: string;
}

@InputType({ description: "A user's new role." })
export class ChangeUserRoleInput {
  @Field(() => ID, { description: 'The user to change; not the viewer.' })
  userId!: string;

  @Field(() => Role, { description: 'The new role.' })
  role!: Role;
}

@InputType({ description: "A user's new storage limits. Open upload grants count against them." })
export class ChangeUserQuotaInput {
  @Field(() => ID, { description: 'The user to change.' })
  userId!: string;

  @Field(() => Float, { description: 'Maximum bytes of stored images, a whole number from 0.' })
  @Min(0, { message: 'limitBytes must be 0 or more.' })
  limitBytes!: number;

  @Field(() => Int, { description: 'Maximum number of stored images, from 0.' })
  @Min(0, { message: 'limitCount must be 0 or more.' })
  @Max(MAX_QUOTA_IMAGES, { message: 'limitCount must be at most $constraint1.' })
  limitCount!: number;
}

@ObjectType({ description: 'Settings that decide what moderators may do.' })
export class ModerationSettingsType {
  @Field({ description: "Whether moderators and admins see other users' PRIVATE and PROCESSING images. Default false." })
  moderatorsSeePrivateImages!: boolean;

  @Field(() => Date, { nullable: true, description: 'When an admin last changed the settings; null while they are the defaults.' })
  updatedAt!: Date | null;
}

@InputType({ description: 'New moderation settings.' })
export class UpdateModerationSettingsInput {
  @Field({ description: "Whether moderators and admins see other users' PRIVATE and PROCESSING images." })
  moderatorsSeePrivateImages!: boolean;
}

@ObjectType({ description: 'A role and the permissions it grants; the admin screens show and check the same list.' })
export class RoleDefinition {
  @Field(() => Role, { description: 'The role.' })
  role!: Role;

  @Field(() => [String], { description: 'Permissions the role grants, for example "images:moderate".' })
  permissions!: string[];
}
