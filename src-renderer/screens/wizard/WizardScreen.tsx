export function WizardScreen() {
  return <section className="screen"><h1>Create a pair</h1></section>;
}
