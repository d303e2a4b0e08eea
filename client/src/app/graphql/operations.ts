// Every GraphQL document the client sends. Queries are nouns, mutations verb + noun.
import { gql } from 'apollo-angular';

import type {
  AuthPayload,
  Image,
  ImageConnection,
  RequestUploadInput,
  SignInInput,
  SignUpInput,
  UploadGrant,
  Viewer,
} from './graphql-types';

const IMAGE_FIELDS = gql`
  fragment ImageFields on Image {
    id
    filename
    contentType
    byteSize
    width
    height
    status
    visibility
    rejectionReason
    createdAt
    url
    urlExpiresAt
  }
`;

const VIEWER_FIELDS = gql`
  fragment ViewerFields on User {
    id
    email
    displayName
    role
    quota {
      usedBytes
      reservedBytes
      limitBytes
      usedCount
      limitCount
    }
  }
`;

export const VIEWER_QUERY = gql<{ viewer: Viewer | null }, Record<string, never>>`
  query Viewer {
    viewer {
      ...ViewerFields
    }
  }
  ${VIEWER_FIELDS}
`;

export interface ImagesVariables {
  first: number;
  after?: string | null;
}

export const IMAGES_QUERY = gql<{ images: ImageConnection }, ImagesVariables>`
  query Images($first: Int, $after: String) {
    images(first: $first, after: $after) {
      edges {
        cursor
        node {
          ...ImageFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
  ${IMAGE_FIELDS}
`;

export const IMAGE_QUERY = gql<{ image: Image | null }, { id: string }>`
  query Image($id: ID!) {
    image(id: $id) {
      ...ImageFields
    }
  }
  ${IMAGE_FIELDS}
`;

/** Fetches a fresh presigned URL for an image whose previous URL failed to load. */
export const IMAGE_URL_QUERY = gql<
  { image: Pick<Image, 'id' | 'url' | 'urlExpiresAt'> | null },
  { id: string }
>`
  query ImageUrl($id: ID!) {
    image(id: $id) {
      id
      url
      urlExpiresAt
    }
  }
`;

export const SIGN_UP_MUTATION = gql<{ signUp: AuthPayload }, { input: SignUpInput }>`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      token
      user {
        ...ViewerFields
      }
    }
  }
  ${VIEWER_FIELDS}
`;

export const SIGN_IN_MUTATION = gql<{ signIn: AuthPayload }, { input: SignInInput }>`
  mutation SignIn($input: SignInInput!) {
    signIn(input: $input) {
      token
      user {
        ...ViewerFields
      }
    }
  }
  ${VIEWER_FIELDS}
`;

export const SIGN_OUT_MUTATION = gql<{ signOut: boolean }, Record<string, never>>`
  mutation SignOut {
    signOut
  }
`;

export const REQUEST_UPLOAD_MUTATION = gql<
  { requestUpload: UploadGrant },
  { input: RequestUploadInput }
>`
  mutation RequestUpload($input: RequestUploadInput!) {
    requestUpload(input: $input) {
      image {
        id
      }
      url
      method
      headers {
        name
        value
      }
      expiresAt
    }
  }
`;

export const CONFIRM_UPLOAD_MUTATION = gql<{ confirmUpload: Image }, { id: string }>`
  mutation ConfirmUpload($id: ID!) {
    confirmUpload(id: $id) {
      ...ImageFields
    }
  }
  ${IMAGE_FIELDS}
`;

export const DELETE_IMAGE_MUTATION = gql<{ deleteImage: boolean }, { id: string }>`
  mutation DeleteImage($id: ID!) {
    deleteImage(id: $id)
  }
`;
