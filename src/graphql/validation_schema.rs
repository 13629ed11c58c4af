//! The schema async-graphql validates requests against and answers introspection from: the
//! registry alone.
//!
//! The types are built with async-graphql's dynamic schema (`object_types::build`), whose
//! `finish` keeps two descriptions of every type: the dynamic definitions it was given, and the
//! registry it derived from them. Validation and introspection only read the registry, and no
//! field of ours is ever resolved by async-graphql (the plan answers data fields). So the
//! registry's types are moved into a static `async_graphql::Schema` whose roots have no fields
//! of their own, and the dynamic schema is dropped.
//!
//! Measured reason (bench/README.md, "The schema kept once"): the dynamic schema held 42.5 MiB
//! after start-up, 41 MiB of an idle gateway's 45 MiB of anonymous memory; the registry alone,
//! copied to its exact size, holds about 20 MiB.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest};
use async_graphql::indexmap::IndexSet;
use async_graphql::parser::types::Field;
use async_graphql::registry::{MetaType, Registry};
use async_graphql::resolver_utils::{ContainerType, resolve_container, resolve_container_serial};
use async_graphql::{
    Context, ContextSelectionSet, EmptySubscription, ObjectType, OutputType, Positioned, Request, Response, SchemaEnv,
    ServerError, ServerResult, Value,
};

use crate::catalog::overrides::{MUTATION, QUERY};
use crate::error::AppError;

/// The schema's builder, for limits and extensions (`configure` of [`crate::graphql::build_schema`]).
pub type Builder = async_graphql::SchemaBuilder<RegistryQuery, RegistryMutation, EmptySubscription>;

/// The types of a registry, waiting to be moved into the static schema being built on this thread
/// (async-graphql asks the query root for its types through a function without arguments).
struct Prebuilt {
    types: BTreeMap<String, MetaType>,
    implements: HashMap<String, IndexSet<String>>,
}

thread_local! {
    static PREBUILT: RefCell<Option<Prebuilt>> = const { RefCell::new(None) };
}

/// A root type with no resolver: the query root (`MUTATION = false`), which brings every type of the
/// registry it was built from, or the mutation root, whose type comes with them.
pub struct RegistryRoot<const MUTATION: bool>;

/// The query root.
pub type RegistryQuery = RegistryRoot<false>;
/// The mutation root.
pub type RegistryMutation = RegistryRoot<true>;

impl<const MUTATION_ROOT: bool> OutputType for RegistryRoot<MUTATION_ROOT> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(if MUTATION_ROOT { MUTATION } else { QUERY })
    }

    fn create_type_info(registry: &mut Registry) -> String {
        if !MUTATION_ROOT && let Some(prebuilt) = PREBUILT.with(|p| p.borrow_mut().take()) {
            registry.types.extend(prebuilt.types);
            registry.implements.extend(prebuilt.implements);
        }
        Self::type_name().into_owned()
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        // A mutation's fields run one after another, as the specification says.
        if MUTATION_ROOT { resolve_container_serial(ctx, self).await } else { resolve_container(ctx, self).await }
    }
}

impl<const MUTATION_ROOT: bool> ContainerType for RegistryRoot<MUTATION_ROOT> {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        Err(ServerError::new("answered by the query plan", Some(ctx.item.pos)))
    }
}

impl<const MUTATION_ROOT: bool> ObjectType for RegistryRoot<MUTATION_ROOT> {}

/// Keeps the schema's environment (its registry) from the first request async-graphql runs:
/// a static schema has no public accessor for its registry, and the pipeline reads it to check
/// variables of already validated operations (`pipeline/argument_values.rs`).
struct KeepEnv(Arc<OnceLock<SchemaEnv>>);

impl ExtensionFactory for KeepEnv {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(KeepEnv(Arc::clone(&self.0)))
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for KeepEnv {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        self.0.get_or_init(|| ctx.schema_env.clone());
        next.run(ctx).await
    }
}

/// The schema: validation and introspection over one registry.
pub struct ValidationSchema {
    schema: async_graphql::Schema<RegistryQuery, RegistryMutation, EmptySubscription>,
    env: SchemaEnv,
}

impl ValidationSchema {
    /// Moves the registry of `dynamic` into a static schema configured by `configure`, and drops
    /// `dynamic`.
    pub fn from_dynamic(
        dynamic: async_graphql::dynamic::Schema,
        configure: impl FnOnce(Builder) -> Builder,
    ) -> Result<Self, AppError> {
        let registry = dynamic.registry();
        let prebuilt = Prebuilt { types: registry.types.clone(), implements: registry.implements.clone() };
        drop(dynamic);
        PREBUILT.with(|p| *p.borrow_mut() = Some(prebuilt));
        let kept = Arc::new(OnceLock::new());
        let builder = async_graphql::Schema::build(RegistryRoot::<false>, RegistryRoot::<true>, EmptySubscription)
            .extension(KeepEnv(Arc::clone(&kept)));
        // `build` took the types; nothing stays behind on this thread.
        PREBUILT.with(|p| p.borrow_mut().take());
        let schema = configure(builder).finish();
        // Any request hands the extension the environment; this one reads no row.
        let _ = futures::executor::block_on(schema.execute(Request::new("{ __typename }")));
        let env = kept
            .get()
            .cloned()
            .ok_or_else(|| AppError::internal("building the GraphQL schema", "its first request did not run"))?;
        Ok(Self { schema, env })
    }

    /// The registry: every type, field and argument of the schema.
    pub fn registry(&self) -> &Registry {
        &self.env.registry
    }

    /// Runs `request` (validation, introspection).
    pub async fn execute(&self, request: impl Into<Request>) -> Response {
        self.schema.execute(request).await
    }

    /// The schema's SDL.
    pub fn sdl(&self) -> String {
        self.schema.sdl()
    }
}
