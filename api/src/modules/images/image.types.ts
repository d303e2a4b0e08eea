import { IsOptional, Matches } from 'class-validator';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../../graphql/connection.types';
import type { ImageEntity } from './image.entity';
import { ImagePurpose, ImageStatus, Visibility } from './image.enums';

registerEnumType(ImageStatus, {
  name: 'ImageStatus',
  description: 'Where an image is in its lifecycle.',
  valuesConfig: {
    PENDING_UPLOAD: { description: 'A grant was issued; the upload is not confirmed yet.' },
    IN_REVIEW: { description: 'Verified and waiting for a moderator; visible to the owner and moderators only.' },
    APPROVED: { description: 'Verified, and approved when public.' },
    REJECTED: { description: 'The bytes failed the checks or a moderator rejected the image; see rejectionReason.' },
    EXPIRED: { description: 'The grant or the processing input expired; the object is gone.' },
  },
});
registerEnumType(ImagePurpose, {
  name: 'ImagePurpose',
  description: 'What an image is for.',
  valuesConfig: {
    GALLERY: { description: 'A preview image shown in galleries.' },
    PROCESSING: { description: 'A private, temporary input for processing; skips review and expires.' },
  },
});
registerEnumType(Visibility, {
  name: 'Visibility',
  description: 'Who may see an image once it is verified.',
  valuesConfig: {
    PUBLIC: { description: 'Every signed-in user, after moderation.' },
    PRIVATE: { description: 'The owner only.' },
  },
});

@ObjectType('Image', { description: 'An uploaded image. Only metadata lives in the API; `url` points at storage.' })
export class ImageType {
  @Field(() => ID, { description: 'Stable opaque id; also names the stored object.' })
  id!: string;

  @Field({ description: "The uploader's original filename, exactly as given." })
  filename!: string;

  @Field({ description: 'MIME type; verified from the bytes once the upload is confirmed.' })
  contentType!: string;

  @Field(() => Int, { description: 'Size in bytes.' })
  byteSize!: number;

  @Field(() => Int, { nullable: true, description: 'Width in pixels, read from the file header at confirm.' })
  width!: number | null;

  @Field(() => Int, { nullable: true, description: 'Height in pixels, read from the file header at confirm.' })
  height!: number | null;

  @Field(() => ImagePurpose, { description: 'What the image is for.' })
  purpose!: ImagePurpose;

  @Field(() => Visibility, { description: 'Who may see the image once verified.' })
  visibility!: Visibility;

  @Field(() => ImageStatus, { description: 'Where the image is in its lifecycle.' })
  status!: ImageStatus;

  @Field(() => String, { nullable: true, description: 'Why the image was rejected; shown to the owner.' })
  rejectionReason!: string | null;

  @Field({ description: 'When the upload grant was issued.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When a PROCESSING image is deleted.' })
  expiresAt!: Date | null;

  /** The entity behind this view, for field resolvers; not part of the schema. */
  source!: ImageEntity;

  static from(image: ImageEntity): ImageType {
    const type = new ImageType();
    type.id = image.id;
    type.filename = image.filename;
    type.contentType = image.contentType;
    type.byteSize = Number(image.byteSize);
    type.width = image.width ?? null;
    type.height = image.height ?? null;
    type.purpose = image.purpose;
    type.visibility = image.visibility;
    type.status = image.status;
    type.rejectionReason = image.rejectionReason ?? null;
    type.createdAt = image.createdAt;
    type.expiresAt = image.expiresAt ?? null;
    type.source = image;
    return type;
  }
}

@ObjectType({ description: 'An image in a connection.' })
export class ImageEdge {
  @Field({ description: 'Opaque cursor of this edge.' })
  cursor!: string;

  @Field(() => ImageType, { description: 'The image.' })
  node!: ImageType;
}

@ObjectType({ description: 'A page of images, newest first.' })
export class ImageConnection {
  @Field(() => [ImageEdge], { description: 'The images of this page with their cursors.' })
  edges!: ImageEdge[];

  @Field(() => PageInfo, { description: 'Where this page ends and whether more follow.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Number of images matching the filter that the viewer may see.' })
  totalCount!: number;
}

@InputType({ description: 'Narrows an image list. Every field is optional.' })
export class ImageFilter {
  @Field(() => ImageStatus, { nullable: true, description: 'Only images in this status.' })
  status?: ImageStatus;

  @Field(() => ImagePurpose, { nullable: true, description: 'Only images with this purpose.' })
  purpose?: ImagePurpose;

  @Field(() => Visibility, { nullable: true, description: 'Only images with this visibility.' })
  visibility?: Visibility;

  @Field(() => Boolean, { nullable: true, description: "Only the viewer's own images." })
  mine?: boolean;
}

@InputType({ description: 'What the client is about to upload. The grant binds the type, the exact size and the SHA-256 when given.' })
export class RequestUploadInput {
  @Field({ description: 'Original filename, any Unicode, up to UPLOAD_FILENAME_MAX_LENGTH characters (default 255). Never used in a storage key.' })
  filename!: string;

  @Field({ description: 'MIME type: image/jpeg, image/png, image/webp, image/gif or image/avif by default.' })
  contentType!: string;

  @Field(() => Int, { description: 'Exact size of the file in bytes.' })
  byteSize!: number;

  @Field(() => ImagePurpose, { nullable: true, description: 'Defaults to GALLERY.' })
  purpose?: ImagePurpose;

  @Field(() => Visibility, { nullable: true, description: 'Defaults to PRIVATE. PUBLIC images are reviewed before others see them.' })
  visibility?: Visibility;

  @Field(() => String, { nullable: true, description: 'Hex SHA-256 of the file; when given, storage rejects any other bytes.' })
  @IsOptional()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'sha256 "$value" is not 64 hexadecimal digits. Send the hex SHA-256 of the file, or omit it.' })
  sha256?: string;
}

@ObjectType({ description: 'An HTTP header the client must send with the upload.' })
export class HttpHeader {
  @Field({ description: 'Header name, lowercase.' })
  name!: string;

  @Field({ description: 'Header value, to send unchanged.' })
  value!: string;
}

@ObjectType({
  description:
    'Permission to upload one file straight to storage: send exactly `method` to `url` with exactly `headers` and the file as the body, then call confirmUpload.',
})
export class UploadGrant {
  @Field(() => ImageType, { description: 'The new image, in PENDING_UPLOAD until confirmUpload.' })
  image!: ImageType;

  @Field({ description: 'Presigned URL; it must not be changed.' })
  url!: string;

  @Field({ description: 'HTTP method, PUT.' })
  method!: string;

  @Field(() => [HttpHeader], { description: 'Headers to send unchanged. The body length must equal byteSize.' })
  headers!: HttpHeader[];

  @Field({ description: 'When the URL stops working.' })
  expiresAt!: Date;
}

@ObjectType({ description: 'The limits every upload must meet; requestUpload rejects a file outside them.' })
export class UploadLimits {
  @Field(() => Int, { description: 'Maximum file size in bytes.' })
  maxBytes!: number;

  @Field(() => [String], { description: 'MIME types that uploads may declare.' })
  allowedTypes!: string[];

  @Field(() => Float, { description: 'Maximum pixel count (width times height), a whole number.' })
  maxPixels!: number;

  @Field(() => Int, { description: 'Maximum filename length, in characters.' })
  filenameMaxLength!: number;

  @Field(() => Int, { description: 'Seconds an upload grant stays valid.' })
  grantTtlSeconds!: number;
}

