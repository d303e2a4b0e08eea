import { IsEmail, Length, MaxLength } from 'class-validator';
import { Field, InputType, ObjectType } from 'type-graphql';
import { UserType } from '../users/user.types';

@InputType({ description: 'A new account.' })
export class SignUpInput {
  @Field({ description: 'Email address, used to sign in. Compared case-insensitively.' })
  @IsEmail({}, { message: 'email "$value" is not a valid email address. Use a form like name@example.com.' })
  @MaxLength(254, { message: 'email is longer than $constraint1 characters. Use a shorter address.' })
  email!: string;

  @Field({ description: 'At least 8 and at most 256 characters.' })
  @Length(8, 256, { message: 'password must be between $constraint1 and $constraint2 characters long. Choose another one.' })
  password!: string;

  @Field({ description: 'Name shown to other users, 1 to 80 characters.' })
  @Length(1, 80, { message: 'displayName must be between $constraint1 and $constraint2 characters long.' })
  displayName!: string;
}

@InputType({ description: 'Credentials of an existing account.' })
export class SignInInput {
  @Field({ description: 'Email address of the account.' })
  @MaxLength(254, { message: 'email is longer than $constraint1 characters. Check the address.' })
  email!: string;

  @Field({ description: 'Password of the account.' })
  @MaxLength(256, { message: 'password is longer than $constraint1 characters. Check the password.' })
  password!: string;
}

@ObjectType({ description: 'A new session.' })
export class AuthPayload {
  @Field({ description: 'Bearer token: send it as "Authorization: Bearer <token>". Shown once.' })
  token!: string;

  @Field(() => UserType, { description: 'The signed-in account.' })
  user!: UserType;
}
