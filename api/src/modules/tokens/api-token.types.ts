import { ArrayMaxSize, ArrayNotEmpty, Length } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../../graphql/connection.types';
import { ALL_SCOPES, Scope } from '../auth/roles';
import type { ApiTokenEntity } from './api-token.entity';

registerEnumType(Scope, {
  name: 'ApiTokenScope',
  description:
    'What an API token may do. Written in lowercase with a colon (images:read) in messages and docs. A scope never adds to what the role of the token owner allows.',
  valuesConfig: {
    IMAGES_READ: { description: 'images:read — read image, images and the view URLs of images the owner may see.' },
    IMAGES_WRITE: { description: 'images:write — requestUpload, confirmUpload and deleteImage.' },
    IMAGES_MODERATE: { description: 'images:moderate — the moderation queue; moderators and admins only.' },
    USERS_MANAGE: { description: "users:manage — admin work on users, including listing and revoking other users' API tokens; admins only." },
    AUDIT_READ: { description: 'audit:read — read the audit log; admins only.' },
    SETTINGS_MANAGE: { description: 'settings:manage — change settings; admins only.' },
    TOKENS_MANAGE: { description: "tokens:manage — create, list and revoke the owner's API tokens, with no more scopes than this token has." },
  },
});

@ObjectType('ApiToken', { description: 'A personal API token for third-party access. The secret is never shown again after createApiToken.' })
export class ApiTokenType {
  @Field(() => ID, { description: 'Stable opaque id, used to revoke the token.' })
  id!: string;

  @Field({ description: 'Name given at creation, usually after the app that uses the token.' })
  name!: string;

  @Field(() => [Scope], { description: 'What the token may do.' })
  scopes!: Scope[];

  @Field({ description: 'When the token was created.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the token stops working; null when it does not expire.' })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the token was revoked; null while it is not.' })
  revokedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When a request last used the token, to the minute; null when none has.' })
  lastUsedAt!: Date | null;

  @Field({ description: 'Whether requests with the token are accepted: neither revoked nor expired.' })
  active!: boolean;

  /** The entity behind this view, for field resolvers; not part of the schema. */
  source!: ApiTokenEntity;

  static from(token: ApiTokenEntity, now = Date.now()): ApiTokenType {
    const type = new ApiTokenType();
    type.id = token.id;
    type.name = token.name;
    type.scopes = [...token.scopes];
    type.createdAt = token.createdAt;
    type.expiresAt = token.expiresAt ?? null;
    type.revokedAt = token.revokedAt ?? null;
    type.lastUsedAt = token.lastUsedAt ?? null;
    type.active = !token.revokedAt && (!token.expiresAt || token.expiresAt.getTime() > now);
    type.source = token;
    return type;
  }
}

@ObjectType({ description: 'A new API token and its secret.' })
export class CreatedApiToken {
  @Field(() => ApiTokenType, { description: 'The new token.' })
  token!: ApiTokenType;

  @Field({ description: 'The secret, shown this once: send it as "Authorization: Bearer <secret>". Only its SHA-256 is stored.' })
  secret!: string;
}

@InputType({ description: 'A new API token.' })
export class CreateApiTokenInput {
  @Field({ description: 'Name to recognise the token by, 1 to 80 characters.' })
  @Length(1, 80, { message: 'name must be between $constraint1 and $constraint2 characters long.' })
  name!: string;

  @Field(() => [Scope], { description: 'Scopes the token carries; at least one, and only those the role of the owner allows.' })
  @ArrayNotEmpty({ message: 'scopes is empty. Give the token at least one scope, for example IMAGES_READ.' })
  @ArrayMaxSize(ALL_SCOPES.length, { message: 'scopes has more than $constraint1 entries. List each scope once.' })
  scopes!: Scope[];

  @Field(() => Date, { nullable: true, description: 'When the token stops working; omit it for a token that does not expire.' })
  expiresAt?: Date | null;
}

@ObjectType({ description: 'An API token in a connection.' })
export class ApiTokenEdge {
  @Field({ description: 'Opaque cursor of this edge.' })
  cursor!: string;

  @Field(() => ApiTokenType, { description: 'The token.' })
  node!: ApiTokenType;
}

@ObjectType({ description: 'A page of API tokens, newest first.' })
export class ApiTokenConnection {
  @Field(() => [ApiTokenEdge], { description: 'The tokens of this page with their cursors.' })
  edges!: ApiTokenEdge[];

  @Field(() => PageInfo, { description: 'Where this page ends and whether more follow.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Number of tokens of the user, revoked and expired ones included.' })
  totalCount!: number;
}
