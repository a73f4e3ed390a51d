"""The GraphQL adapter: Strawberry types and resolvers that call the same services as REST."""
