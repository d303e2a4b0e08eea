import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Role } from '../auth/roles';
import type { UserEntity } from './user.entity';

registerEnumType(Role, { name: 'Role', description: 'What an account may do.' });

@ObjectType({ description: "A user's storage limits and how much of them is taken. Open upload grants count as reserved." })
export class Quota {
  @Field(() => Float, { description: 'Bytes of confirmed images.' })
  usedBytes!: number;

  @Field(() => Float, { description: 'Bytes held by upload grants not yet confirmed or expired.' })
  reservedBytes!: number;

  @Field(() => Float, { description: 'Maximum of usedBytes + reservedBytes.' })
  limitBytes!: number;

  @Field(() => Int, { description: 'Number of confirmed images.' })
  usedCount!: number;

  @Field(() => Int, { description: 'Number of open upload grants.' })
  reservedCount!: number;

  @Field(() => Int, { description: 'Maximum of usedCount + reservedCount.' })
  limitCount!: number;
}

@ObjectType('User', { description: 'An account.' })
export class UserType {
  @Field(() => ID, { description: 'Stable opaque id.' })
  id!: string;

  @Field({ description: 'Name shown to other users.' })
  displayName!: string;

  @Field(() => Role, { description: 'Role that decides what the account may do.' })
  role!: Role;

  @Field({ description: 'When the account was created.' })
  createdAt!: Date;

  /** Fields below are shown to the user themselves and to admins only; see UserResolver. */
  email!: string;
  quotaSource!: Quota;

  static from(user: UserEntity): UserType {
    const type = new UserType();
    type.id = user.id;
    type.displayName = user.displayName;
    type.role = user.role;
    type.createdAt = user.createdAt;
    type.email = user.email;
    type.quotaSource = {
      usedBytes: Number(user.usedBytes),
      reservedBytes: Number(user.reservedBytes),
      limitBytes: Number(user.quotaBytes),
      usedCount: user.usedImages,
      reservedCount: user.reservedImages,
      limitCount: user.quotaImages,
    };
    return type;
  }
}
