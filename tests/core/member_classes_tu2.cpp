// The second translation unit constructing the header-inline types of
// member_shapes.hpp: one member must stay one class across both.
#include "member_shapes.hpp"

namespace shapes {
account* make_account_elsewhere() { return new account; }
db_impl* make_db_elsewhere() { return new db_impl; }
}  // namespace shapes
