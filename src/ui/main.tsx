import { render } from 'preact';

render(<p>Plexus</p>, document.getElementById('app') as HTMLElement);
